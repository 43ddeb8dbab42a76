// messages.ts — the protocol between the chaos harness (or a chaos test) and its child nodes:
// IPC messages both ways, and the urgent notices a child writes synchronously to its notice pipe.

export const LEDGER_TASK = "chaos.ledger";
export const FENCED_TASK = "chaos.fenced";
export const SCHEDULED_TASK = "chaos.scheduled";
/** A task whose handler SIGKILLs its own process: every attempt takes its node down. */
export const POISON_TASK = "chaos.poison";
/** Five durable transactional steps, each writing the step ledger (the durable-steps crash test). */
export const STEPS_TASK = "chaos.steps";
export const STEP_NAMES = ["reserve", "charge", "pack", "ship", "notify"] as const;
/** A four-step transfer saga that fails for good at its third step (the saga crash test). */
export const SAGA_TASK = "chaos.saga";
/** Records each run's interval per tenant (the concurrency-key test). */
export const TENANT_TASK = "chaos.tenant";

/**
 * The child's file descriptor of its notice pipe (stdio index 4). A child frozen on purpose
 * (blocking its own event loop) cannot send IPC, but a synchronous write to a pipe gets through.
 */
export const NOTICE_FD = 4;

/** What a child tells the parent. */
export type ChildMessage =
  | { type: "ready"; worker: string }
  /** The node's raw wall clock and the skew TaskFlow measured (at start, then periodically if asked). */
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
    }
  /** A `chaos.ledger` attempt had a write refused: this worker no longer held the job. */
  | { type: "refused"; worker: string; jobId: string; fence: number; write: "progress" | "transaction" }
  /**
   * Notice pipe: the node is inside a fire transaction (the schedule rows are locked, nothing is
   * committed yet) and now blocks for the hold time: kill it now to kill it mid-transaction.
   */
  | { type: "fire-held"; worker: string; scheduleId: string; nextFireAt: number; holdMs: number };

/** What a `fenced-worker` child is told: let this attempt go on and write. */
export interface ProceedMessage {
  type: "proceed";
  jobId: string;
  fence: number;
}

/** What a `chaos-node` started with a fire hold is told: block inside the next fire transaction. */
export interface HoldFireMessage {
  type: "hold-fire";
}

export type ParentMessage = ProceedMessage | HoldFireMessage;
