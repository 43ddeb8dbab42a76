import type { Logger } from "pino";
import type { Clock, Timer } from "../time/clock.js";

/**
 * Runs `pass` now and then again `intervalMs` after each pass ends (re-armed against the clock,
 * never `setInterval`, so passes never overlap and a slow database stretches the period instead
 * of piling passes up). A failed pass is logged and retried at the next period. The signal
 * handed to a pass aborts on `stop()`, so a long pass can end between batches.
 */
export class PeriodicTask {
  #timer: Timer | null = null;
  #controller: AbortController | null = null;
  readonly #passes = new Set<Promise<void>>();

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** What the task does, for the log line of a failed pass. */
    private readonly what: string,
    private readonly intervalMs: number,
    private readonly pass: (signal: AbortSignal) => Promise<unknown>,
  ) {}

  /**
   * Starts the task with a pass at once; does nothing if it runs already. Resolves when that
   * first pass ends (it never rejects: a failed pass is logged).
   */
  start(): Promise<void> {
    if (this.#controller !== null) return Promise.resolve();
    const controller = new AbortController();
    this.#controller = controller;
    return this.#run(controller.signal);
  }

  /** Stops the task and waits for a pass in progress to end. */
  async stop(): Promise<void> {
    this.#controller?.abort();
    this.#controller = null;
    this.#timer?.cancel();
    this.#timer = null;
    await Promise.all(this.#passes);
  }

  #run(signal: AbortSignal): Promise<void> {
    const pass = this.pass(signal)
      .then(
        () => undefined,
        (error: unknown) => {
          if (!signal.aborted) this.logger.warn({ err: error }, `${this.what} failed; retrying`);
        },
      )
      .finally(() => {
        this.#passes.delete(pass);
        if (signal.aborted) return;
        this.#timer = this.clock.setTimer(this.clock.now() + this.intervalMs, () => void this.#run(signal));
      });
    this.#passes.add(pass);
    return pass;
  }
}
