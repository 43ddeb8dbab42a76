import { TaskFlow, type TaskFlowOptions } from "../../src/index.js";
import { FakeClock } from "../../src/time/fake-clock.js";
import { freshDatabase, type Backend } from "./backends.js";

export interface TaskFlowFixture {
  tf: TaskFlow;
  clock: FakeClock;
  /** The PostgreSQL schema of this fixture's tables (undefined on PGlite). */
  schema: string | undefined;
  /** Stops `tf` and opens a new TaskFlow on the same database (a restarted node). */
  restart(): Promise<TaskFlow>;
  close(): Promise<void>;
}

/**
 * A TaskFlow on a fresh database, driven by a FakeClock. PGlite keeps its files in a temporary
 * folder (a copy of the migrated template) so that `restart()` finds the same data.
 */
export async function openTestTaskFlow(
  backend: Backend,
  options: Partial<TaskFlowOptions> = {},
): Promise<TaskFlowFixture> {
  const database = freshDatabase(backend);
  const storeOptions = database.options;
  const clock = new FakeClock();
  const open = () => TaskFlow.create({ ...storeOptions, clock, logger: "silent", ...options });
  const fixture: TaskFlowFixture = {
    tf: await open(),
    clock,
    schema: storeOptions.schema,
    restart: async () => {
      await fixture.tf.stop();
      fixture.tf = await open();
      return fixture.tf;
    },
    close: async () => {
      await fixture.tf.stop();
      await database.remove();
    },
  };
  return fixture;
}

/**
 * Waits for database I/O to reach a state while the fake clock stands still. It never waits
 * for time-dependent behaviour: time moves only through `clock.advance`.
 */
export async function until(check: () => Promise<boolean> | boolean, what = "condition"): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never reached: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A promise with its resolve function, for handlers the test releases by hand. */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

/** Resolves when the signal aborts, with its reason; for handlers that wait to be interrupted. */
export function aborted(signal: AbortSignal): Promise<never> {
  // A handler that starts late on a loaded machine may find its signal aborted already: an
  // abort listener added then would never fire.
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((_, reject) =>
    signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true }),
  );
}

/**
 * Moves the fake clock forward in steps until `check` holds, letting real database I/O finish
 * between steps (a periodic timer re-arms only after its query returns). Fails after `maxMs`.
 */
export async function advanceUntil(
  clock: FakeClock,
  stepMs: number,
  maxMs: number,
  check: () => Promise<boolean>,
  what: string,
): Promise<void> {
  const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  for (let moved = 0; !(await check()); moved += stepMs) {
    if (moved >= maxMs) throw new Error(`never reached within ${maxMs} ms of fake time: ${what}`);
    await clock.advance(stepMs);
    await settle(10);
    // On a loaded machine a query can outlast the first pause; give it a second, longer one
    // before moving time again, so a timer that re-arms late is not skipped over.
    if (!(await check())) await settle(50);
  }
}
