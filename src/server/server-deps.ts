import type { Logger } from "pino";
import { SessionService } from "../auth/session-service.js";
import { TokenService } from "../auth/token-service.js";
import type { AccessStore } from "../store/access-store.js";
import type { TaskFlow } from "../taskflow.js";

/** How a task runs, as the API shows it; shell tasks are admin-only to schedule or enqueue. */
export type TaskKind = "code" | "shell" | "http";

/** Everything the REST API needs; `buildApp` takes it so tests can build the app without listening. */
export interface ServerDeps {
  tf: TaskFlow;
  tokens: TokenService;
  sessions: SessionService;
  audit: AccessStore;
  logger: Logger;
  /** The kind of each task this node runs (names absent here are shown as `code`). */
  taskKinds: ReadonlyMap<string, TaskKind>;
  /**
   * Trust `X-Forwarded-*` from a proxy in front (TLS terminated there): the session cookie is
   * then marked Secure on https. @defaultValue false
   */
  trustProxy?: boolean;
  /** Largest request body accepted, in bytes. @defaultValue 1 MiB */
  bodyLimit?: number;
  /** The built dashboard (index.html and assets/); null or absent: not served. */
  dashboardDir?: string | null;
  /** The TaskFlow version, shown in the OpenAPI document. */
  version: string;
}

/** The deps of a node's API: token and session services over the node's own store. */
export function createServerDeps(
  tf: TaskFlow,
  options: Omit<ServerDeps, "tf" | "tokens" | "sessions" | "audit" | "taskKinds" | "version"> & {
    taskKinds?: ReadonlyMap<string, TaskKind>;
    version?: string;
  },
): ServerDeps {
  const tokens = new TokenService(tf.store.access, tf.clock);
  return {
    ...options,
    tf,
    tokens,
    sessions: new SessionService(tf.store.access, tokens, tf.clock),
    audit: tf.store.access,
    taskKinds: options.taskKinds ?? new Map(),
    version: options.version ?? "unknown",
  };
}
