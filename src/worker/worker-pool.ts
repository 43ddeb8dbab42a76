import type { Logger } from "pino";
import { JobCancelledError, LeaseLostError, WorkerShutdownError } from "../domain/errors.js";
import type { ClaimedJob } from "../domain/job.js";
import type { Completion, Failure, Store, TaskClaim, WakeHint } from "../store/store.js";
import type { Clock, Timer } from "../time/clock.js";
import { decideFailure } from "./attempt-failure.js";
import { BatchWriter } from "./batch-writer.js";
import { runAttempt, type AttemptOutcome, type RunningAttempt } from "./job-runner.js";
import type { TaskRegistry } from "./task-registry.js";

export interface WorkerPoolSettings {
  workerId: string;
  concurrency: number;
  leaseMs: number;
  pollIntervalMs: number;
  drainTimeoutMs: number;
  /** Null: every queue. */
  queues: string[] | null;
  random: () => number;
}

/**
 * Claims runnable jobs and runs them, up to `concurrency` at once on this node.
 *
 * Wake-ups come from three places, any of which suffices: a notification from the store (a
 * hint, may be lost), a local timer armed for the earliest known `run_at`, and a poll every
 * `pollIntervalMs`. One heartbeat statement renews every lease the node holds; a lease found
 * lost aborts its handler, and from then on that attempt's writes are refused by the store.
 */
export class WorkerPool {
  readonly #active = new Map<string, RunningAttempt>();
  readonly #completions: BatchWriter<Completion>;
  readonly #failures: BatchWriter<Failure>;
  #state: "idle" | "running" | "draining" | "stopped" = "idle";
  #claiming = false;
  #claimAgain = false;
  #pollTimer: Timer | null = null;
  #wakeTimer: { at: number; timer: Timer } | null = null;
  #heartbeatTimer: Timer | null = null;
  #unsubscribe: (() => Promise<void>) | null = null;
  #idleWaiters: (() => void)[] = [];

  constructor(
    private readonly store: Store,
    private readonly registry: TaskRegistry,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly settings: WorkerPoolSettings,
  ) {
    this.#completions = new BatchWriter(
      (items) => store.complete(items, clock.now()),
      clock,
      logger,
      settings.leaseMs,
    );
    this.#failures = new BatchWriter(
      (items) => store.fail(items, clock.now()),
      clock,
      logger,
      settings.leaseMs,
    );
  }

  get activeCount(): number {
    return this.#active.size;
  }

  async start(): Promise<void> {
    if (this.#state !== "idle") return;
    this.#state = "running";
    this.#unsubscribe = await this.store.subscribe((hint) => this.#onHint(hint));
    this.#schedulePoll();
    this.#scheduleHeartbeat();
    this.wake();
  }

  /**
   * Stops claiming, lets running attempts finish for up to `drainTimeoutMs`, then aborts the
   * rest and releases them so another node can take them at once.
   */
  async stop(): Promise<void> {
    if (this.#state !== "running") return;
    this.#state = "draining";
    this.#pollTimer?.cancel();
    this.#wakeTimer?.timer.cancel();
    await this.#unsubscribe?.().catch(() => undefined);
    if (this.#active.size > 0) {
      const drained = new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
      let timer: Timer | null = null;
      const timedOut = new Promise<void>(
        (resolve) =>
          (timer = this.clock.setTimer(this.clock.now() + this.settings.drainTimeoutMs, resolve, {
            keepAlive: true,
          })),
      );
      await Promise.race([drained, timedOut]);
      (timer as Timer | null)?.cancel();
      if (this.#active.size > 0) {
        this.logger.warn(
          { jobs: this.#active.size },
          "drain timeout reached; releasing running jobs to other workers",
        );
        for (const attempt of this.#active.values()) attempt.controller.abort(new WorkerShutdownError());
        await new Promise<void>((resolve) =>
          this.#active.size === 0 ? resolve() : this.#idleWaiters.push(resolve),
        );
      }
    }
    this.#heartbeatTimer?.cancel();
    await Promise.all([this.#completions.idle(), this.#failures.idle()]);
    this.#state = "stopped";
  }

  /** Looks for runnable jobs now. */
  wake(): void {
    if (this.#state !== "running") return;
    if (this.#claiming) {
      this.#claimAgain = true;
      return;
    }
    void this.#claimLoop();
  }

  #onHint(hint: WakeHint): void {
    if (hint.kind === "cancel") {
      this.#active.get(hint.jobId)?.controller.abort(new JobCancelledError());
    } else if (hint.kind === "jobs" && hint.runAt !== null && hint.runAt > this.clock.now()) {
      this.#armWakeTimer(hint.runAt);
    } else {
      this.wake();
    }
  }

  async #claimLoop(): Promise<void> {
    this.#claiming = true;
    try {
      do {
        this.#claimAgain = false;
        const free = this.settings.concurrency - this.#active.size;
        const tasks = this.#claimableTasks(free);
        if (tasks.length === 0) break;
        const now = this.clock.now();
        const jobs = await this.store.claim({
          workerId: this.settings.workerId,
          now,
          leaseMs: this.settings.leaseMs,
          tasks,
          queues: this.settings.queues,
          limit: free,
        });
        for (const job of jobs) this.#run(job);
        if (jobs.length === free) this.#claimAgain = true;
        else if (jobs.length === 0) await this.#armForNextRunAt(tasks);
      } while (this.#claimAgain && this.#state === "running");
    } catch (error) {
      this.logger.warn({ err: error }, "claiming jobs failed; retrying at the next poll");
    } finally {
      this.#claiming = false;
    }
  }

  #claimableTasks(free: number): TaskClaim[] {
    if (free <= 0) return [];
    const runningByTask = new Map<string, number>();
    for (const { job } of this.#active.values())
      runningByTask.set(job.task, (runningByTask.get(job.task) ?? 0) + 1);
    const claims: TaskClaim[] = [];
    for (const task of this.registry.all()) {
      const room =
        task.concurrency === null
          ? free
          : Math.min(free, task.concurrency - (runningByTask.get(task.name) ?? 0));
      if (room > 0)
        claims.push({
          task: task.name,
          limit: room,
          maxAttempts: task.maxAttempts,
          timeoutMs: task.timeoutMs,
        });
    }
    return claims;
  }

  async #armForNextRunAt(tasks: TaskClaim[]): Promise<void> {
    const next = await this.store.nextRunAt(
      tasks.map((t) => t.task),
      this.settings.queues,
    );
    if (next !== null) this.#armWakeTimer(next);
  }

  #armWakeTimer(at: number): void {
    if (this.#state !== "running") return;
    if (this.#wakeTimer !== null && this.#wakeTimer.at <= at) return;
    this.#wakeTimer?.timer.cancel();
    this.#wakeTimer = {
      at,
      timer: this.clock.setTimer(at, () => {
        this.#wakeTimer = null;
        this.wake();
      }),
    };
  }

  #schedulePoll(): void {
    this.#pollTimer = this.clock.setTimer(
      this.clock.now() + this.settings.pollIntervalMs,
      () => {
        if (this.#state !== "running") return;
        this.wake();
        this.#schedulePoll();
      },
      { keepAlive: true },
    );
  }

  #run(job: ClaimedJob): void {
    const task = this.registry.get(job.task);
    if (task === undefined) return; // cannot happen: claims name registered tasks only
    const attempt = runAttempt(job, task, this.store, this.clock, this.logger);
    this.#active.set(job.id, attempt);
    void attempt.outcome
      .then((outcome) => this.#record(job, outcome, task.retry))
      .catch((error: unknown) =>
        this.logger.error({ err: error, jobId: job.id }, "recording a job outcome failed"),
      )
      .finally(() => {
        this.#active.delete(job.id);
        if (this.#active.size === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
        this.wake();
      });
  }

  async #record(
    job: ClaimedJob,
    outcome: AttemptOutcome,
    taskRetry: Parameters<typeof decideFailure>[2],
  ): Promise<void> {
    const lease = { id: job.id, fence: job.fence };
    const log = { jobId: job.id, task: job.task, attempt: job.attempt };
    let accepted = true;
    switch (outcome.kind) {
      case "succeeded":
        accepted = await this.#completions.add({ ...lease, resultJson: outcome.resultJson });
        break;
      case "failed": {
        const failure = decideFailure(job, outcome.error, taskRetry, this.clock.now(), this.settings.random);
        accepted = await this.#failures.add(failure);
        if (accepted) {
          const level = failure.state === "dead" ? "error" : "warn";
          this.logger[level](
            { ...log, err: outcome.error, next: failure.state, runAt: failure.runAt },
            `job attempt failed; ${failure.state === "queued" ? "will retry" : `job is ${failure.state}`}`,
          );
          if (failure.state === "queued" && failure.runAt !== null) this.#armWakeTimer(failure.runAt);
        }
        break;
      }
      case "released": {
        const released = await this.store.release([lease], this.clock.now());
        accepted = released.has(job.id);
        break;
      }
      case "lease-lost":
        accepted = false;
        break;
      case "committed":
        break;
    }
    if (!accepted)
      this.logger.warn(log, "job outcome not recorded: this worker no longer held the job (lease lost)");
  }

  #scheduleHeartbeat(): void {
    const interval = Math.max(50, Math.floor(this.settings.leaseMs / 3));
    this.#heartbeatTimer = this.clock.setTimer(this.clock.now() + interval, () => {
      void this.#heartbeat().finally(() => {
        if (this.#state === "running" || this.#state === "draining") this.#scheduleHeartbeat();
      });
    });
  }

  async #heartbeat(): Promise<void> {
    const attempts = [...this.#active.values()];
    if (attempts.length === 0) return;
    try {
      const leases = attempts.map(({ job }) => ({ id: job.id, fence: job.fence }));
      const renewed = await this.store.renewLeases(
        this.settings.workerId,
        leases,
        this.clock.now(),
        this.settings.leaseMs,
      );
      const held = new Map(renewed.map((r) => [r.id, r.cancelRequested]));
      for (const attempt of attempts) {
        const cancelRequested = held.get(attempt.job.id);
        if (cancelRequested === undefined) {
          if (this.#active.get(attempt.job.id) === attempt)
            attempt.controller.abort(new LeaseLostError(attempt.job.id, attempt.job.fence));
        } else if (cancelRequested) {
          attempt.controller.abort(new JobCancelledError());
        }
      }
    } catch (error) {
      this.logger.warn(
        { err: error, jobs: attempts.length },
        "renewing leases failed; retrying at the next heartbeat",
      );
    }
  }
}
