import type { Logger } from "pino";
import type { TokenService } from "../auth/token-service.js";
import type { AccessStore } from "../store/access-store.js";
import type { TaskFlow } from "../taskflow.js";

/** How a task runs, as the API shows it; shell tasks are admin-only to schedule or enqueue. */
export type TaskKind = "code" | "shell" | "http";

/** Everything the REST API needs; `buildApp` takes it so tests can build the app without listening. */
export interface ServerDeps {
  tf: TaskFlow;
  tokens: TokenService;
  audit: AccessStore;
  logger: Logger;
  /** The kind of each task this node runs (names absent here are shown as `code`). */
  taskKinds: ReadonlyMap<string, TaskKind>;
  /** Largest request body accepted, in bytes. @defaultValue 1 MiB */
  bodyLimit?: number;
  /** The TaskFlow version, shown in the OpenAPI document. */
  version: string;
}
