// messages.ts — the IPC protocol between a chaos test and its child worker processes.

export const LEDGER_TASK = "chaos.ledger";
export const FENCED_TASK = "chaos.fenced";
export const SCHEDULED_TASK = "chaos.scheduled";

/** What a child tells the test. */
export type ChildMessage =
  | { type: "ready"; worker: string }
  /** A `schedule-node` reports its clocks once started: the raw wall clock and the skew it measured. */
  | { type: "clock"; worker: string; wallClockMs: number; clockSkewMs: number }
  /** A `chaos.fenced` attempt began (its first log line already written) and now waits for `proceed`. */
  | { type: "started"; worker: string; jobId: string; fence: number }
  /** A `chaos.fenced` attempt tried every kind of write after `proceed`; what each returned. */
  | {
      type: "writes";
      worker: string;
      jobId: string;
      fence: number;
      progressAccepted: boolean;
      /** `committed`, `lease-lost` (LeaseLostError), or `error: <message>` for anything else. */
      transaction: string;
      /** null when `ctx.log.info` resolved; the error message if it threw. */
      logError: string | null;
    };

/** What the test tells a `fenced-worker` child: let this attempt go on and write. */
export interface ProceedMessage {
  type: "proceed";
  jobId: string;
  fence: number;
}
