// bench/compare-protocol.ts — the messages between `npm run bench` (bench/compare.ts) and the
// child process each system runs in (bench/compare-child.ts), over Node's IPC channel.
import type { AdapterEnvironment, AdapterSettings } from "./peers/adapter.js";

export type QueueScenario = "bulk" | "single" | "e2e" | "pickup";

export type StepParams =
  | { scenario: "bulk"; jobs: number; batchSize: number }
  | { scenario: "single"; jobs: number; producers: number }
  | { scenario: "e2e"; jobs: number; concurrency: number; capMs: number }
  | {
      scenario: "pickup";
      samples: number;
      warmup: number;
      gapMs: [number, number];
      seed: number;
      concurrency: number;
      capMs: number;
      warmupCapMs: number;
    };

/** One measured (or warm-up) run of one figure. */
export interface QueueStep {
  /** The figure it belongs to, e.g. "e2e-c10". */
  figure: string;
  /** 0: the warm-up run, discarded; 1…: measured. */
  run: number;
  params: StepParams;
}

export interface CronTask {
  kind: "cron";
  figure: string;
  run: number;
  /** Occurrences measured. */
  fires: number;
  /** Start of the measured window (epoch ms, a multiple of the period); null: the first after warmupMs. */
  windowStart: number | null;
  /** Occurrences before the window are warm-up (the schedule's first ticks), not measured. */
  warmupMs: number;
  /** How long after the last occurrence's time a late one is still waited for. */
  graceMs: number;
}

export type ChildTask = { kind: "queue"; steps: QueueStep[] } | CronTask;

export interface ChildRequest {
  variantId: string;
  env: AdapterEnvironment;
  task: ChildTask;
}

export type ChildMessage =
  | {
      kind: "ready";
      system: string;
      version: string;
      settings: AdapterSettings;
      serverVersion: string | null;
      node: string;
    }
  | { kind: "result"; figure: string; run: number; result: Record<string, unknown> }
  | { kind: "failed"; figure: string; run: number; message: string }
  | { kind: "done"; errors: string[] };
