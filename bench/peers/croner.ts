// bench/peers/croner.ts — croner's own "* * * * * *" timer in the bench process: no queue, no
// database, no persistence. The floor any in-process cron timer gets on this machine.
import { importPeer, type BenchSubject, type RecurringSchedule } from "./adapter.js";

interface CronerModule {
  Cron: new (pattern: string, callback: () => void) => { stop(): void };
}

export class CronerSubject implements BenchSubject {
  readonly system = "croner (in-process)";
  readonly settings = {
    name: "default" as const,
    options: {},
    connections: "none",
    concurrency: "-",
  };

  constructor(readonly version: string) {}

  async setup(): Promise<void> {}

  serverVersion(): Promise<null> {
    return Promise.resolve(null);
  }

  /** Croner fires on whole seconds: the intended time is the second the callback belongs to. */
  async scheduleRecurring(onFire: (intendedAt: number) => void): Promise<RecurringSchedule> {
    const { Cron } = await importPeer<CronerModule>("croner");
    const job = new Cron("* * * * * *", () => {
      const now = Date.now();
      onFire(now - (now % 1000));
    });
    return {
      periodMs: 1000,
      declaration: `new Cron("* * * * * *", fn)`,
      stop: () => {
        job.stop();
        return Promise.resolve();
      },
    };
  }

  async teardown(): Promise<void> {}
}
