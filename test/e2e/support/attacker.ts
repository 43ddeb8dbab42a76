import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

// A page on another origin that tries to act with the dashboard's session: a form that posts
// itself to the service on load, and a page from which a test runs a credentialed fetch.

export interface AttackerSite {
  port: number;
  /** The page that submits `<form method=POST action=target>` as soon as it loads. */
  formPath(target: string): string;
  /** An empty page, to run `fetch` from this origin. */
  blankPath: string;
  close(): Promise<void>;
}

export async function startAttackerSite(): Promise<AttackerSite> {
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://attacker.invalid");
    response.setHeader("content-type", "text/html; charset=utf-8");
    if (url.pathname === "/form") {
      const target = escapeAttribute(url.searchParams.get("target") ?? "");
      response.end(
        `<!doctype html><title>attacker</title><form id="attack" method="POST" action="${target}"><input type="hidden" name="paused" value="true"></form><script>document.getElementById("attack").submit()</script>`,
      );
      return;
    }
    response.end("<!doctype html><title>attacker</title><p>nothing to see</p>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    formPath: (target) => `/form?target=${encodeURIComponent(target)}`,
    blankPath: "/blank",
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}
