import { setTimeout as delay } from "node:timers/promises";

/**
 * Polls `check` every `intervalMs` until it returns true, failing after `timeoutMs` with what
 * was awaited. A thrown error ends the wait at once. Waits are for behaviour, never for time.
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  options: { timeoutMs: number; what: string; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`);
    }
    await delay(options.intervalMs ?? 100);
  }
}
