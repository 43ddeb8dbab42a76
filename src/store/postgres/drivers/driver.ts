import type { SqlClient } from "../../../domain/task.js";

/** A transaction-scoped client: single statements with parameters, or a multi-statement script. */
export interface SqlTransaction extends SqlClient {
  exec(script: string): Promise<void>;
}

/**
 * What the PostgreSQL adapter needs of a database connection. Two implementations: `pg` (a pool
 * plus a dedicated listening connection) and PGlite (one in-process connection, serialized).
 */
export interface SqlDriver extends SqlClient {
  readonly kind: "pg" | "pglite";
  /**
   * Runs one of the engine's hottest statements (the worker's claim) with a plan made once per
   * connection rather than at every call. Use only for a statement whose best plan does not
   * depend on its parameters' values.
   */
  queryWithCachedPlan<Row>(text: string, params: unknown[]): Promise<{ rows: Row[] }>;
  transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T>;
  /**
   * Listens on `channel`. `onReconnect` is called when the listener had to be re-established,
   * since notifications may have been lost meanwhile.
   */
  listen(
    channel: string,
    onMessage: (payload: string) => void,
    onReconnect: () => void,
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
