/**
 * How an attempt is stopped (timeout, cancellation, a lost lease, shutdown): the first reason
 * wins, rejects `whenAborted`, and reaches the handler through its AbortSignal. The signal is
 * made only when the handler reads it: most handlers never do, and an AbortController with its
 * listener is among the costliest things a short attempt would otherwise make.
 */
export class AttemptAbort {
  #controller: AbortController | null = null;
  /** The first abort's reason; undefined while not aborted. */
  #reason: Error | undefined = undefined;
  #reject: (reason: unknown) => void = () => undefined;
  /** Rejects with the reason when the attempt is aborted; never resolves. */
  readonly whenAborted: Promise<never>;

  constructor() {
    this.whenAborted = new Promise<never>((_, reject) => (this.#reject = reject));
    this.whenAborted.catch(() => undefined);
  }

  get signal(): AbortSignal {
    if (this.#controller === null) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** The reason given to the first abort; undefined while not aborted. */
  get reason(): Error | undefined {
    return this.#reason;
  }

  abort(reason: Error): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#controller?.abort(reason);
    this.#reject(reason);
  }
}
