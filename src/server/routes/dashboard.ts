import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { ServerDeps } from "../server-deps.js";

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".json": "application/json; charset=utf-8",
};

/**
 * The dashboard: a built single-page app (`dashboard/`, built into `dist/dashboard`), served on
 * the API's origin. Its files hold no data, so they are public; everything it shows comes from
 * the API, which needs a session. Routes are hash-based (`/#/schedules`), so `/` is the only page.
 */
export function dashboardRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const dir = deps.dashboardDir ?? null;

  app.get("/", { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    const html = dir === null ? null : await readFile(join(dir, "index.html"), "utf8").catch(() => null);
    if (html === null) {
      return reply
        .code(503)
        .type("text/plain; charset=utf-8")
        .send(
          "The dashboard is not built: run `npm run build` (the API is at /api/v1, its documentation at /docs).",
        );
    }
    return reply.type("text/html; charset=utf-8").header("cache-control", "no-cache").send(html);
  });

  app.get(
    "/assets/:file",
    {
      config: { public: true },
      schema: {
        hide: true,
        params: Type.Object({ file: Type.String({ pattern: "^[A-Za-z0-9_.-]{1,200}$" }) }),
      },
    },
    async (request, reply) => {
      const { file } = request.params as { file: string };
      const type = CONTENT_TYPES[extname(file)];
      const body =
        dir === null || type === undefined || file.startsWith(".")
          ? null
          : await readFile(join(dir, "assets", file)).catch(() => null);
      if (body === null) return reply.code(404).type("text/plain; charset=utf-8").send("not found");
      // File names carry a content hash: they never change.
      return reply
        .type(type as string)
        .header("cache-control", "public, max-age=31536000, immutable")
        .send(body);
    },
  );
}
