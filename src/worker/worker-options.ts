import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { parseDuration, type Duration } from "../domain/duration.js";
import { ErrorCode, InvalidInputError } from "../domain/errors.js";
import type { WorkerPoolSettings } from "./worker-pool.js";

export interface WorkerOptions {
  /** Most attempts running at once on this node. @defaultValue 10 */
  concurrency?: number;
  /**
   * Jobs claimed ahead of free slots into a local buffer (leased, so no other node takes them),
   * so a finished job's slot is refilled without waiting for the database. `"auto"` sizes it to
   * keep the slots busy for two claim round trips at the recent finishing rate (at most 10 ×
   * concurrency): large for fast jobs, near 0 for slow ones, so a node does not hoard jobs
   * another node could run. A number fixes it; 0 turns it off. @defaultValue "auto"
   */
  prefetch?: number | "auto";
  /** How long a claimed job stays leased without a heartbeat (renewed every third of it). @defaultValue "30s" */
  leaseDuration?: Duration;
  /** Fallback look for runnable jobs when no notification arrives. @defaultValue "1s" */
  pollInterval?: Duration;
  /** On stop, how long running attempts may finish before they are released. @defaultValue "10s" */
  drainTimeout?: Duration;
  /** How often this node looks for expired leases. @defaultValue "5s" */
  reapInterval?: Duration;
  /** Serve only these queues. @defaultValue every queue */
  queues?: string[];
  /** This node's identity in leases and logs. @defaultValue "<host>:<pid>:<random>" */
  workerId?: string;
}

export interface ResolvedWorkerOptions extends WorkerPoolSettings {
  reapIntervalMs: number;
}

export function resolveWorkerOptions(options: WorkerOptions = {}): ResolvedWorkerOptions {
  const concurrency = options.concurrency ?? 10;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000) {
    throw invalid(
      "concurrency",
      `worker.concurrency must be a whole number from 1 to 10000, got ${String(concurrency)}`,
    );
  }
  const prefetch = options.prefetch ?? "auto";
  if (prefetch !== "auto" && (!Number.isInteger(prefetch) || prefetch < 0 || prefetch > 10_000)) {
    throw invalid(
      "prefetch",
      `worker.prefetch must be "auto" or a whole number from 0 to 10000, got ${String(prefetch)}`,
    );
  }
  const leaseMs = parseDuration(options.leaseDuration ?? "30s", "worker.leaseDuration");
  if (leaseMs < 1000)
    throw invalid("leaseDuration", `worker.leaseDuration must be at least 1s, got ${leaseMs} ms`);
  const pollIntervalMs = parseDuration(options.pollInterval ?? "1s", "worker.pollInterval");
  if (pollIntervalMs < 10)
    throw invalid("pollInterval", `worker.pollInterval must be at least 10ms, got ${pollIntervalMs} ms`);
  const queues = options.queues ?? null;
  if (
    queues !== null &&
    (!Array.isArray(queues) ||
      queues.length === 0 ||
      queues.some((q) => typeof q !== "string" || !NAME.test(q)))
  ) {
    throw invalid(
      "queues",
      "worker.queues must be a non-empty array of queue names (letters, digits and _ . : - /)",
    );
  }
  const { workerId } = options;
  if (
    workerId !== undefined &&
    (typeof workerId !== "string" || workerId.trim() === "" || workerId.length > 200)
  ) {
    throw invalid("workerId", "worker.workerId must be a non-empty string of at most 200 characters");
  }
  return {
    workerId: options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`,
    concurrency,
    prefetch,
    leaseMs,
    pollIntervalMs,
    drainTimeoutMs: parseDuration(options.drainTimeout ?? "10s", "worker.drainTimeout"),
    reapIntervalMs: Math.max(100, parseDuration(options.reapInterval ?? "5s", "worker.reapInterval")),
    queues,
    random: Math.random,
  };
}

const NAME = /^[A-Za-z0-9_.:\-/]{1,200}$/;

function invalid(option: string, message: string): InvalidInputError {
  return new InvalidInputError(message, {
    code: ErrorCode.InvalidOption,
    details: { option: `worker.${option}` },
  });
}
