// wait.ts — real-time waiting for the chaos harness (multi-process runs only; the engine's own
// tests use the fake clock).

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `everyMs` until it returns true; throws after `timeoutMs` naming `what`. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Sleeps until `until` (Date.now() time), calling `tick` every `everyMs` (e.g. a crash check). */
export async function sleepUntil(until: number, tick: () => void = () => undefined, everyMs = 100) {
  while (Date.now() < until) {
    tick();
    await sleep(Math.min(everyMs, Math.max(0, until - Date.now())));
  }
}
