import { randomUUID } from "node:crypto";
import { parseDuration, type Duration } from "../domain/duration.js";
import { serializePayload } from "../domain/enqueue-options.js";
import { ErrorCode, InvalidInputError, TaskFlowError } from "../domain/errors.js";
import type { FlowStore } from "../store/flow-store.js";
import { sleepUntil, type Clock } from "../time/clock.js";

export interface OnceOptions {
  /** How long the recorded result keeps answering repeat calls. @defaultValue "24h" */
  ttl?: Duration;
  /**
   * How long a call's claim on the key lasts without renewal; it is renewed while `fn` runs,
   * so this is how soon another caller may take over after the owner crashed. @defaultValue "30s"
   */
  lease?: Duration;
  /** How long a repeat call waits for another call that is running `fn` now. @defaultValue "60s" */
  wait?: Duration;
  signal?: AbortSignal;
}

const DEFAULT_TTL_MS = 24 * 3_600_000;
const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_WAIT_MS = 60_000;
const BUSY_POLL_MS = 100;
const MAX_KEY = 512;

/**
 * `tf.once(key, fn)`: runs `fn` once per key (within the TTL) across every node, and answers
 * repeat calls with the stored result. A failed `fn` records nothing, so the next call runs it
 * again. If the owner crashes while `fn` runs, its claim lapses after `lease` and a later call
 * runs `fn` again: effects inside `fn` are at-least-once, the recorded result is once.
 */
export async function runOnce<T>(
  store: FlowStore,
  clock: Clock,
  key: string,
  fn: () => Promise<T> | T,
  options: OnceOptions = {},
): Promise<T> {
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_KEY || key.includes("\0")) {
    throw new InvalidInputError(
      `a once key must be a non-empty string of at most ${MAX_KEY} characters without NUL, got ${JSON.stringify(key)}`,
      { code: ErrorCode.InvalidOption, details: { option: "key" } },
    );
  }
  const ttlMs = options.ttl === undefined ? DEFAULT_TTL_MS : parseDuration(options.ttl, "ttl");
  const leaseMs = options.lease === undefined ? DEFAULT_LEASE_MS : parseDuration(options.lease, "lease");
  const waitMs = options.wait === undefined ? DEFAULT_WAIT_MS : parseDuration(options.wait, "wait");
  if (ttlMs < 1 || leaseMs < 1) {
    throw new InvalidInputError("once: ttl and lease must be at least 1 ms", {
      code: ErrorCode.InvalidDuration,
    });
  }
  const owner = randomUUID();
  const giveUpAt = clock.now() + waitMs;
  for (;;) {
    const claim = await store.claimOnce(key, owner, clock.now(), leaseMs, ttlMs);
    if (claim.kind === "done") return JSON.parse(claim.resultJson) as T;
    if (claim.kind === "owned") return runOwned(store, clock, key, owner, fn, leaseMs, ttlMs);
    if (clock.now() >= giveUpAt) {
      throw new TaskFlowError(
        `once key ${JSON.stringify(key)} is being run by another caller and did not finish within ${waitMs} ms`,
        { code: ErrorCode.OnceBusy, details: { key } },
      );
    }
    const next = Math.min(clock.now() + BUSY_POLL_MS, claim.leaseExpiresAt, giveUpAt);
    await sleepUntil(clock, Math.max(next, clock.now() + 1), options.signal);
  }
}

async function runOwned<T>(
  store: FlowStore,
  clock: Clock,
  key: string,
  owner: string,
  fn: () => Promise<T> | T,
  leaseMs: number,
  ttlMs: number,
): Promise<T> {
  const renewal: { timer: ReturnType<Clock["setTimer"]> | null } = { timer: null };
  const renew = () => {
    renewal.timer = clock.setTimer(clock.now() + Math.max(1, Math.floor(leaseMs / 3)), () => {
      void store
        .renewOnce(key, owner, clock.now(), leaseMs)
        .then((held) => held && renew())
        .catch(() => renew());
    });
  };
  renew();
  let value: T;
  try {
    value = await fn();
  } catch (error) {
    renewal.timer?.cancel();
    await store.releaseOnce(key, owner).catch(() => undefined);
    throw error;
  }
  renewal.timer?.cancel();
  const json = serializePayload(value === undefined ? null : value, "the result of once");
  await store.completeOnce(key, owner, json, clock.now(), ttlMs);
  return JSON.parse(json) as T;
}
