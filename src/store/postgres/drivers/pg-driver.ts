import { createHash } from "node:crypto";
import pg from "pg";
import type { Logger } from "pino";
import type { Clock, Timer } from "../../../time/clock.js";
import type { SqlDriver, SqlTransaction } from "./driver.js";
import { PG_TYPES } from "./timestamp-parser.js";

export interface PgDriverOptions {
  connectionString: string;
  schema: string;
  /** @defaultValue 10 */
  poolSize?: number;
  clock: Clock;
  logger: Logger;
  /** How often the listener proves it still receives, by notifying itself. @defaultValue 15000 */
  listenerCheckMs?: number;
}

/**
 * A node paused mid-transaction keeps its row locks; the server ends such a transaction after
 * this long so SKIP LOCKED does not silently skip those rows for longer.
 */
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 10_000;
/**
 * JIT compilation is off on TaskFlow's connections: its statements are short and touch few rows,
 * but a large backlog raises their estimated cost past `jit_above_cost`, and compiling then
 * costs 30-40 ms per claim (the claim itself takes 1-5 ms).
 */
const SESSION_SETTINGS = "-c jit=off";
/**
 * The claim's connection plans it once: planned at every call (PostgreSQL's choice for it,
 * since its estimates depend on the parameters) it spent about 1 ms planning against 0.2-0.5 ms
 * running, most of an idle worker's pickup time. Its plan is the same whatever the parameters:
 * one index scan per task on `jobs_runnable`, then the leases by primary key.
 */
const CACHED_PLAN_SETTINGS = "-c plan_cache_mode=force_generic_plan";
const LISTENER_PING_TIMEOUT_MS = 5_000;
const RECONNECT_DELAY_MS = 500;

/**
 * The engine's statements are a fixed set of files: naming them lets each connection parse and
 * plan them once. Only statements with parameters are named (a script of several statements
 * cannot be prepared).
 */
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `tf_${createHash("sha1").update(text).digest("hex").slice(0, 16)}`;
    statementNames.set(text, name);
  }
  return name;
}

export class PgDriver implements SqlDriver {
  readonly kind = "pg" as const;
  readonly #pool: pg.Pool;
  /** One connection for queryWithCachedPlan, opened on first use. */
  #cachedPlanPool: pg.Pool | null = null;
  readonly #options: PgDriverOptions;
  readonly #listeners = new Set<{ close(): Promise<void> }>();

  constructor(options: PgDriverOptions) {
    this.#options = options;
    this.#pool = this.#newPool(connectionConfig(options), options.poolSize ?? 10);
  }

  #newPool(config: pg.ClientConfig, max: number): pg.Pool {
    const pool = new pg.Pool({ ...config, max });
    // An idle client that loses its connection (server restart) must not crash the process.
    pool.on("error", (error) =>
      this.#options.logger.warn(
        { error: error.message, code: (error as { code?: string }).code },
        "idle database connection lost",
      ),
    );
    return pool;
  }

  async query<Row>(text: string, params?: unknown[]): Promise<{ rows: Row[] }> {
    const result =
      params === undefined || params.length === 0
        ? await this.#pool.query(text)
        : await this.#pool.query({ name: statementName(text), text, values: params });
    return { rows: result.rows as Row[] };
  }

  async queryWithCachedPlan<Row>(text: string, params: unknown[]): Promise<{ rows: Row[] }> {
    this.#cachedPlanPool ??= this.#newPool(connectionConfig(this.#options, CACHED_PLAN_SETTINGS), 1);
    const result = await this.#cachedPlanPool.query({ name: statementName(text), text, values: params });
    return { rows: result.rows as Row[] };
  }

  async transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let broken = false;
    // While checked out, the pool no longer listens for the client's errors: a connection the
    // server closes between two statements (restart, idle timeout) would crash the process.
    const onError = (error: Error) => {
      broken = true;
      this.#options.logger.warn({ err: error }, "database connection lost inside a transaction");
    };
    client.on("error", onError);
    try {
      await client.query("BEGIN");
      const tx: SqlTransaction = {
        query: async <Row>(text: string, params?: unknown[]) => ({
          rows: (await client.query(text, params)).rows as Row[],
        }),
        exec: async (script: string) => void (await client.query(script)),
      };
      const value = await fn(tx);
      await client.query("COMMIT");
      return value;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => (broken = true));
      throw error;
    } finally {
      client.removeListener("error", onError);
      client.release(broken);
    }
  }

  async listen(
    channel: string,
    onMessage: (payload: string) => void,
    onReconnect: () => void,
  ): Promise<() => Promise<void>> {
    const listener = new PgListener(this.#options, this, channel, onMessage, onReconnect);
    await listener.connect(false);
    this.#listeners.add(listener);
    return async () => {
      this.#listeners.delete(listener);
      await listener.close();
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#listeners].map((listener) => listener.close()));
    await Promise.all([this.#pool.end(), this.#cachedPlanPool?.end()]);
  }
}

function connectionConfig(options: PgDriverOptions, settings = ""): pg.ClientConfig {
  return {
    connectionString: options.connectionString,
    application_name: "taskflow",
    types: PG_TYPES,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    options:
      `-c search_path=${options.schema} -c idle_in_transaction_session_timeout=${IDLE_IN_TRANSACTION_TIMEOUT_MS} ${SESSION_SETTINGS} ${settings}`.trimEnd(),
  };
}

/**
 * A dedicated connection for LISTEN. It is a hint channel, so it must never silently die: it
 * reconnects on error, and every `listenerCheckMs` it notifies itself and reconnects if that
 * ping does not come back.
 */
class PgListener {
  #client: pg.Client | null = null;
  #closed = false;
  #checkTimer: Timer | null = null;
  #pingTimer: Timer | null = null;
  #pingSeq = 0;
  #awaitingPing: string | null = null;

  constructor(
    private readonly options: PgDriverOptions,
    private readonly driver: PgDriver,
    private readonly channel: string,
    private readonly onMessage: (payload: string) => void,
    private readonly onReconnect: () => void,
  ) {}

  async connect(isReconnect: boolean): Promise<void> {
    const client = new pg.Client(connectionConfig(this.options));
    client.on("error", (error) => this.#lost(client, error));
    client.on("end", () => this.#lost(client, new Error("connection ended")));
    client.on("notification", (message) => {
      const payload = message.payload ?? "";
      if (payload === this.#awaitingPing) {
        this.#awaitingPing = null;
        this.#pingTimer?.cancel();
        return;
      }
      if (!payload.startsWith("__ping__")) this.onMessage(payload);
    });
    await client.connect();
    await client.query(`LISTEN "${this.channel}"`);
    this.#client = client;
    this.#scheduleCheck();
    if (isReconnect) {
      this.options.logger.info({ channel: this.channel }, "database listener re-established");
      this.onReconnect();
    }
  }

  #scheduleCheck(): void {
    const { clock } = this.options;
    this.#checkTimer?.cancel();
    this.#checkTimer = clock.setTimer(
      clock.now() + (this.options.listenerCheckMs ?? 15_000),
      () => void this.#check(),
    );
  }

  async #check(): Promise<void> {
    const client = this.#client;
    if (this.#closed || client === null) return;
    const ping = `__ping__${++this.#pingSeq}`;
    this.#awaitingPing = ping;
    const { clock } = this.options;
    this.#pingTimer = clock.setTimer(clock.now() + LISTENER_PING_TIMEOUT_MS, () => {
      if (this.#awaitingPing === ping) this.#lost(client, new Error("listener did not receive its own ping"));
    });
    try {
      await this.driver.query("SELECT pg_notify($1, $2)", [this.channel, ping]);
    } catch {
      // The pool cannot reach the database either; the ping timeout decides.
    }
    this.#scheduleCheck();
  }

  #lost(client: pg.Client, error: Error): void {
    if (this.#client !== client || this.#closed) return;
    this.#client = null;
    this.#checkTimer?.cancel();
    this.#pingTimer?.cancel();
    this.options.logger.warn({ err: error, channel: this.channel }, "database listener lost; reconnecting");
    client.removeAllListeners("notification");
    client.end().catch(() => undefined);
    this.#retry();
  }

  #retry(): void {
    const { clock } = this.options;
    clock.setTimer(clock.now() + RECONNECT_DELAY_MS, () => {
      if (this.#closed) return;
      this.connect(true).catch((error: unknown) => {
        this.options.logger.debug({ err: error }, "database listener reconnect failed; retrying");
        this.#retry();
      });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#checkTimer?.cancel();
    this.#pingTimer?.cancel();
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => undefined);
  }
}
