import type { Logger } from "pino";
import type { Clock } from "../time/clock.js";

interface Pending<T> {
  item: T & { id: string };
  resolve: (accepted: boolean) => void;
}

/**
 * Collects writes (completions, failures) and sends each batch in one statement. While a batch
 * is in flight, new items wait and go together in the next: under load batches grow by
 * themselves, idle a write goes out at once. A failed statement (database restarting) is
 * retried until `giveUpAfterMs`; past that the items are reported as not accepted, and their
 * jobs come back through lease expiry. A statement refused for its data (one item the database
 * cannot store) is split, so that item alone is refused and the rest of the batch is written.
 */
export class BatchWriter<T> {
  #pending: Pending<T>[] = [];
  #flushing: Promise<void> | null = null;

  constructor(
    private readonly write: (items: (T & { id: string })[]) => Promise<Set<string>>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly giveUpAfterMs: number,
    private readonly maxBatch = 1000,
  ) {}

  add(item: T & { id: string }): Promise<boolean> {
    return new Promise((resolve) => {
      this.#pending.push({ item, resolve });
      this.#flushing ??= this.#drain();
    });
  }

  /** Resolves when everything added so far is written (or given up). */
  async idle(): Promise<void> {
    while (this.#flushing !== null) await this.#flushing;
  }

  async #drain(): Promise<void> {
    // Let the writes of the current turn of the event loop join the first batch.
    await Promise.resolve();
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.maxBatch);
      const accepted = await this.#writeWithRetry(batch.map((p) => p.item));
      for (const p of batch) p.resolve(accepted?.has(p.item.id) ?? false);
    }
    this.#flushing = null;
  }

  async #writeWithRetry(items: (T & { id: string })[]): Promise<Set<string> | null> {
    const deadline = this.clock.now() + this.giveUpAfterMs;
    for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
      try {
        return await this.write(items);
      } catch (error) {
        if (isDataError(error)) return this.#writeEachAlone(items, error);
        if (this.clock.now() + delay > deadline) {
          this.logger.error(
            { err: error, jobs: items.length },
            "could not record job outcomes; their leases will expire and they will run again",
          );
          return null;
        }
        this.logger.warn(
          { err: error, jobs: items.length, retryInMs: delay },
          "recording job outcomes failed; retrying",
        );
        await new Promise<void>((resolve) => this.clock.setTimer(this.clock.now() + delay, resolve));
      }
    }
  }

  async #writeEachAlone(items: (T & { id: string })[], cause: unknown): Promise<Set<string>> {
    if (items.length === 1) {
      this.logger.error(
        { err: cause, jobId: items[0]?.id },
        "the database refused this job outcome's data; the job will run again after its lease expires",
      );
      return new Set();
    }
    const accepted = new Set<string>();
    for (const item of items) {
      for (const id of (await this.#writeWithRetry([item])) ?? []) accepted.add(id);
    }
    return accepted;
  }
}

/** PostgreSQL SQLSTATE class 22: the statement's data was refused (bad JSON, out of range…). */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("22");
}
