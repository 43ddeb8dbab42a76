import { pino } from "pino";
import { resolveEnqueue, type EnqueueOptions } from "../../src/domain/enqueue-options.js";
import { openStore } from "../../src/store/open-store.js";
import type { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import type { TaskClaim } from "../../src/store/store.js";
import { FakeClock } from "../../src/time/fake-clock.js";
import { freshDatabase, type Backend } from "./backends.js";

export const silentLogger = pino({ level: "silent" });

export interface StoreFixture {
  store: PostgresStore;
  clock: FakeClock;
  close(): Promise<void>;
}

/**
 * A migrated store on a fresh database: on PGlite a copy of the migrated template in a
 * temporary folder, on the server a new schema.
 */
export async function openTestStore(backend: Backend): Promise<StoreFixture> {
  const database = freshDatabase(backend);
  const clock = new FakeClock();
  const store = await openStore(database.options, clock, silentLogger);
  return {
    store,
    clock,
    close: async () => {
      await store.close();
      await database.remove();
    },
  };
}

export function newJob(task: string, payload: unknown, options: EnqueueOptions, now: number) {
  return resolveEnqueue(task, payload, options, now);
}

export function claimAll(task: string, limit = 100, maxAttempts = 3): TaskClaim {
  return { task, limit, maxAttempts, timeoutMs: null };
}
