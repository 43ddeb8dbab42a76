import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import type { TokenService } from "../../src/auth/token-service.js";
import type { Role } from "../../src/domain/roles.js";
import type { TaskFlowOptions } from "../../src/index.js";
import { buildApp } from "../../src/server/app.js";
import { createServerDeps, type TaskKind } from "../../src/server/server-deps.js";
import type { Backend } from "./backends.js";
import { openTestTaskFlow, type TaskFlowFixture } from "./taskflow-fixture.js";

export interface ApiFixture extends TaskFlowFixture {
  app: FastifyInstance;
  tokens: TokenService;
  /** A token of each role, created through the service. */
  tokenOf: Record<Role, string>;
  /** `Authorization` header of the role's token. */
  auth(role: Role): { authorization: string };
}

/**
 * The REST API over a TaskFlow on a fresh database (fake clock), with tasks `noop` (code),
 * `fails` (always throws), and `sh` registered as a shell task for the permission checks.
 */
export async function openApi(
  backend: Backend,
  options: {
    bodyLimit?: number;
    taskKinds?: [string, TaskKind][];
    dashboardDir?: string;
    trustProxy?: boolean;
    alerts?: TaskFlowOptions["alerts"];
  } = {},
): Promise<ApiFixture> {
  const fixture = await openTestTaskFlow(backend, {
    worker: { pollInterval: "1h", reapInterval: "1h", leaseDuration: "1h" },
    maintenance: { leaseTtl: "1h" },
    ...(options.alerts === undefined ? {} : { alerts: options.alerts }),
  });
  const { tf } = fixture;
  tf.task("noop", { run: () => "done" });
  tf.task("fails", {
    run: async (ctx) => {
      await ctx.step("prepare", () => ({ ready: true }));
      throw new Error("it broke");
    },
    maxAttempts: 2,
    retry: { kind: "fixed", delay: "1s" },
  });
  tf.task("sh", { run: () => "pretend shell" });
  const deps = createServerDeps(tf, {
    logger: pino({ level: "silent" }),
    taskKinds: new Map<string, TaskKind>([["sh", "shell"], ...(options.taskKinds ?? [])]),
    version: "test",
    ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
    ...(options.dashboardDir === undefined ? {} : { dashboardDir: options.dashboardDir }),
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
  });
  const { tokens } = deps;
  const app = await buildApp(deps);
  const tokenOf = {} as Record<Role, string>;
  for (const role of ["viewer", "operator", "admin"] as const) {
    tokenOf[role] = (await tokens.create({ label: `${role} for tests`, role, actor: "test" })).token;
  }
  return {
    ...fixture,
    get tf() {
      return fixture.tf;
    },
    app,
    tokens,
    tokenOf,
    auth: (role) => ({ authorization: `Bearer ${tokenOf[role]}` }),
    close: async () => {
      await app.close();
      await fixture.close();
    },
  };
}
