import type { Logger } from "pino";
import { JobCancelledError, LeaseLostError, WorkerShutdownError } from "../domain/errors.js";
import type { ClaimedJob } from "../domain/job.js";
import { NO_METRICS, type MetricsSink } from "../observability/metrics-sink.js";
import { NO_TRACING, type JobTracing } from "../observability/job-tracing.js";
import type { Store, TaskClaim, WakeHint } from "../store/store.js";
import type { Clock, Timer } from "../time/clock.js";
import { EarliestTimer } from "./earliest-timer.js";
import { Heartbeat } from "./heartbeat.js";
import { runAttempt, type RunningAttempt } from "./job-runner.js";
import { OutcomeRecorder } from "./outcome-recorder.js";
import type { TaskRegistry } from "./task-registry.js";

/**
 * How long before a plain job falls due the worker claims it: the claim's round trip is then
 * paid before the due time, and the job starts on the worker's own timer, on time (a schedule's
 * occurrence starts within a millisecond or two of its fire time, not a claim later).
 */
export const CLAIM_AHEAD_MS = 50;

export interface WorkerPoolSettings {
  workerId: string;
  concurrency: number;
  /** Jobs claimed ahead into a local buffer, so a freed slot starts the next job without a round trip. */
  prefetch: number | "auto";
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
 * Jobs move: claimed (into a small local buffer, leased) → running (a slot) → finishing (the
 * outcome being written in a batch; the slot is already free). Every held job — buffered,
 * running or finishing — is renewed by the one heartbeat statement.
 *
 * Wake-ups come from three places, any of which suffices: a notification from the store (a
 * hint, may be lost), a local timer armed for the earliest known `run_at`, and a poll every
 * `pollIntervalMs`. Plain jobs are claimed up to CLAIM_AHEAD_MS before they fall due and wait
 * in the buffer for their due time.
 */
export class WorkerPool {
  readonly #buffer: ClaimedJob[] = [];
  readonly #running = new Map<string, RunningAttempt>();
  readonly #finishing = new Map<string, ClaimedJob>();
  readonly #outcomes: OutcomeRecorder;
  readonly #heartbeat: Heartbeat;
  #state: "idle" | "running" | "draining" | "stopped" = "idle";
  #claiming = false;
  #claimAgain = false;
  /** The claim loop under way, awaited by stop() so no claim returns after the store closes. */
  #claimInFlight: Promise<void> = Promise.resolve();
  /** With prefetch "auto": jobs to hold beyond the free slots, re-sized after every claim. */
  #autoPrefetch = 0;
  #finishedCount = 0;
  #lastClaim = { at: 0, finished: 0 };
  #pollTimer: Timer | null = null;
  /** Claims again at the earliest known time a job falls due (less CLAIM_AHEAD_MS). */
  readonly #wakeTimer: EarliestTimer;
  /** Starts the earliest buffered job claimed ahead of its due time, when it falls due. */
  readonly #startTimer: EarliestTimer;
  #unsubscribe: (() => Promise<void>) | null = null;
  #idleWaiters: (() => void)[] = [];

  constructor(
    private readonly store: Store,
    private readonly registry: TaskRegistry,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly settings: WorkerPoolSettings,
    private readonly metrics: MetricsSink = NO_METRICS,
    private readonly tracing: JobTracing = NO_TRACING,
  ) {
    this.#wakeTimer = new EarliestTimer(clock, () => this.wake());
    this.#startTimer = new EarliestTimer(clock, () => this.#startBuffered());
    this.#outcomes = new OutcomeRecorder(
      store,
      clock,
      logger,
      settings.leaseMs,
      settings.random,
      (runAt) => this.#armClaimFor(runAt),
      metrics,
    );
    this.#heartbeat = new Heartbeat(store, clock, logger, settings.workerId, settings.leaseMs, {
      held: () => [
        ...this.#buffer,
        ...[...this.#running.values()].map((a) => a.job),
        ...this.#finishing.values(),
      ],
      onLost: (job) => this.#interrupt(job, new LeaseLostError(job.id, job.fence)),
      onCancelRequested: (job) => this.#interrupt(job, new JobCancelledError()),
      metrics,
    });
  }

  get activeCount(): number {
    return this.#running.size;
  }

  async start(): Promise<void> {
    if (this.#state !== "idle") return;
    this.#state = "running";
    this.#unsubscribe = await this.store.subscribe((hint) => this.#onHint(hint));
    this.#schedulePoll();
    this.#heartbeat.start();
    this.wake();
  }

  /**
   * Stops claiming and gives back the buffered jobs, lets running attempts finish for up to
   * `drainTimeoutMs`, then aborts the rest and releases them so another node takes them at once.
   */
  async stop(): Promise<void> {
    if (this.#state !== "running") return;
    this.#state = "draining";
    this.#pollTimer?.cancel();
    this.#wakeTimer.cancel();
    this.#startTimer.cancel();
    await this.#unsubscribe?.().catch(() => undefined);
    // A claim still in flight releases what it got itself (the state is no longer "running").
    await this.#claimInFlight;
    await this.#outcomes.release(this.#buffer.splice(0));
    if (this.#running.size > 0) {
      let timer: Timer | undefined;
      const timedOut = new Promise<void>((resolve) => {
        timer = this.clock.setTimer(this.clock.now() + this.settings.drainTimeoutMs, resolve, {
          keepAlive: true,
        });
      });
      await Promise.race([this.#whenNoneRunning(), timedOut]);
      timer?.cancel();
      if (this.#running.size > 0) {
        this.logger.warn(
          { jobs: this.#running.size },
          "drain timeout reached; releasing running jobs to other workers",
        );
        for (const attempt of this.#running.values()) attempt.abort.abort(new WorkerShutdownError());
        await this.#whenNoneRunning();
      }
    }
    await this.#outcomes.idle();
    this.#heartbeat.stop();
    this.#state = "stopped";
  }

  /** Looks for runnable jobs now. */
  wake(): void {
    if (this.#state !== "running") return;
    if (this.#claiming) {
      this.#claimAgain = true;
      return;
    }
    this.#claimInFlight = this.#claimLoop();
  }

  #onHint(hint: WakeHint): void {
    if (hint.kind === "cancel") {
      const buffered = this.#buffer.find((job) => job.id === hint.jobId);
      if (buffered !== undefined) this.#interrupt(buffered, new JobCancelledError());
      else this.#running.get(hint.jobId)?.abort.abort(new JobCancelledError());
    } else if (
      hint.kind === "jobs" &&
      hint.runAt !== null &&
      hint.runAt - CLAIM_AHEAD_MS > this.clock.now()
    ) {
      this.#armClaimFor(hint.runAt);
    } else {
      this.wake();
    }
  }

  /** Interrupts a held job: a running one through its signal, a buffered one by recording it. */
  #interrupt(job: ClaimedJob, reason: LeaseLostError | JobCancelledError): void {
    const running = this.#running.get(job.id);
    if (running !== undefined) {
      if (running.job.fence === job.fence) running.abort.abort(reason);
      return;
    }
    const index = this.#buffer.findIndex((held) => held.id === job.id && held.fence === job.fence);
    if (index < 0) return;
    this.#buffer.splice(index, 1);
    if (reason instanceof JobCancelledError) this.#finish(job, { kind: "failed", error: reason });
  }

  async #claimLoop(): Promise<void> {
    this.#claiming = true;
    try {
      do {
        this.#claimAgain = false;
        const prefetch = this.settings.prefetch === "auto" ? this.#autoPrefetch : this.settings.prefetch;
        const room = this.settings.concurrency + prefetch - this.#running.size - this.#buffer.length;
        // With jobs still buffered, wait until there is room for a worthwhile batch.
        if (this.#buffer.length > 0 && room < Math.max(1, Math.ceil(prefetch / 2))) break;
        const tasks = this.#claimableTasks(room);
        if (tasks.length === 0) break;
        const now = this.clock.now();
        const since = {
          ms: now - this.#lastClaim.at,
          finished: this.#finishedCount - this.#lastClaim.finished,
        };
        this.#lastClaim = { at: now, finished: this.#finishedCount };
        const dueBy = now + CLAIM_AHEAD_MS;
        const jobs = await this.store.claim({
          workerId: this.settings.workerId,
          now,
          dueBy,
          leaseMs: this.settings.leaseMs,
          tasks,
          queues: this.settings.queues,
          limit: room,
        });
        if (this.#state !== "running") {
          await this.#outcomes.release(jobs);
          break;
        }
        this.#resizeAutoPrefetch(since, Math.max(1, this.clock.now() - now));
        this.#buffer.push(...jobs);
        this.#buffer.sort((a, b) => b.priority - a.priority || a.runAt.getTime() - b.runAt.getTime());
        this.#startBuffered();
        if (jobs.length === room) this.#claimAgain = true;
        else await this.#armForNextRunAt(tasks, now, dueBy);
      } while (this.#claimAgain && this.#state === "running");
    } catch (error) {
      this.logger.warn({ err: error }, "claiming jobs failed; retrying at the next poll");
    } finally {
      this.#claiming = false;
    }
  }

  /**
   * Enough buffered jobs to cover four claim round trips at the rate jobs finished lately; at
   * most 20 × concurrency, but never capped below 1000 (a claim's fixed cost, planning included,
   * is paid back over hundreds of rows: no-op jobs at concurrency 10 ran 1.5× faster with room
   * for 500 than for 100, and about 20 % faster again with room for 2000, at less database CPU per
   * job) and never above 2000. Slow jobs finish slowly, so they are never claimed far ahead.
   */
  #resizeAutoPrefetch(since: { ms: number; finished: number }, claimMs: number): void {
    const rate = since.ms > 0 ? since.finished / since.ms : 0;
    const cap = Math.min(2000, Math.max(1000, 20 * this.settings.concurrency));
    this.#autoPrefetch = Math.min(cap, Math.round(4 * rate * claimMs));
  }

  /** Per task, how many more it may hold: running and buffered both count against its concurrency. */
  #claimableTasks(room: number): TaskClaim[] {
    if (room <= 0) return [];
    const heldByTask = new Map<string, number>();
    for (const job of [...this.#buffer, ...[...this.#running.values()].map((a) => a.job)]) {
      heldByTask.set(job.task, (heldByTask.get(job.task) ?? 0) + 1);
    }
    const claims: TaskClaim[] = [];
    for (const task of this.registry.all()) {
      const limit =
        task.concurrency === null
          ? room
          : Math.min(room, task.concurrency - (heldByTask.get(task.name) ?? 0));
      if (limit > 0)
        claims.push({
          task: task.name,
          limit,
          maxAttempts: task.maxAttempts,
          timeoutMs: task.timeoutMs,
          concurrencyKeyLimit: task.concurrencyKeyLimit,
          rateLimit: task.rateLimit,
          circuitBreaker: task.circuitBreaker !== null,
          saga: task.saga !== null,
        });
    }
    return claims;
  }

  /** Starts buffered jobs that are due while slots are free; arms the start of the next one not due yet. */
  #startBuffered(): void {
    const now = this.clock.now();
    let notDue: number | null = null;
    for (let i = 0; i < this.#buffer.length;) {
      if (this.#running.size >= this.settings.concurrency || this.#state !== "running") return;
      const job = this.#buffer[i]!;
      const dueAt = job.runAt.getTime();
      if (dueAt > now) {
        notDue = notDue === null ? dueAt : Math.min(notDue, dueAt);
        i++;
        continue;
      }
      this.#buffer.splice(i, 1);
      this.#run(job);
    }
    if (notDue !== null) this.#startTimer.arm(notDue);
  }

  /**
   * Arms the wake-up for the earliest job after `claimedAt`, the time the claim looked with. A
   * job that fell due while the claim was in flight is after it, so the timer fires at once
   * and claims it; asking with a later time would leave it to the poll. A job after `dueBy` is
   * claimed CLAIM_AHEAD_MS before it is due; one due by `dueBy` that the claim could have taken
   * early but did not (held back, or not a plain job) is looked for again when it is due.
   */
  async #armForNextRunAt(tasks: TaskClaim[], claimedAt: number, dueBy: number): Promise<void> {
    const next = await this.store.nextRunAt(
      tasks.map((t) => t.task),
      this.settings.queues,
      claimedAt,
    );
    // A queued job due at the claim that the claim did not take is held back (overlap policy, a
    // concurrency key): it is not after `claimedAt`, so it arms nothing and cannot make the
    // pool spin. The poll looks again later.
    if (next !== null) {
      if (next > dueBy) this.#armClaimFor(next);
      else this.#armWakeTimer(next);
    }
    // A job held back by a rate limit or an open circuit breaker may start when a window frees
    // or the breaker's probe time comes. Asked from the claim's time too: a window that ended
    // while the claim was in flight arms a timer that fires at once rather than being missed.
    if (tasks.some((t) => (t.rateLimit ?? null) !== null || t.circuitBreaker === true)) {
      const change = await this.store.nextClaimLimitChange(claimedAt);
      if (change !== null) this.#armWakeTimer(change);
    }
  }

  /** Claims CLAIM_AHEAD_MS before a job falls due at `runAt`. */
  #armClaimFor(runAt: number): void {
    this.#armWakeTimer(runAt - CLAIM_AHEAD_MS);
  }

  #armWakeTimer(at: number): void {
    if (this.#state === "running") this.#wakeTimer.arm(at);
  }

  #schedulePoll(): void {
    // The poll timer keeps the process alive while the pool runs, even with no open connection
    // during a database outage.
    const next = () => {
      if (this.#state !== "running") return;
      this.wake();
      this.#schedulePoll();
    };
    this.#pollTimer = this.clock.setTimer(this.clock.now() + this.settings.pollIntervalMs, next, {
      keepAlive: true,
    });
  }

  #run(job: ClaimedJob): void {
    const task = this.registry.get(job.task);
    if (task === undefined) return; // cannot happen: claims name registered tasks only
    const attempt = runAttempt(job, task, this.store, this.clock, this.logger, this.metrics, this.tracing);
    this.#running.set(job.id, attempt);
    void attempt.outcome.then((outcome) => {
      this.#running.delete(job.id);
      this.#finishedCount++;
      if (this.#running.size === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
      this.#finish(job, outcome, attempt.traceFields);
      this.#startBuffered();
      this.wake();
    });
  }

  /** Records an outcome in the background: the job stays held (and renewed) until it is written. */
  #finish(
    job: ClaimedJob,
    outcome: Parameters<OutcomeRecorder["record"]>[1],
    traceFields: RunningAttempt["traceFields"] = null,
  ): void {
    const task = this.registry.get(job.task);
    if (task === undefined) return;
    this.#finishing.set(job.id, job);
    void this.#outcomes
      .record(job, outcome, task, traceFields)
      .catch((error: unknown) =>
        this.logger.error({ err: error, jobId: job.id }, "recording a job outcome failed"),
      )
      .finally(() => {
        this.#finishing.delete(job.id);
        // An occurrence held back by its schedule's overlap policy, or a job by its concurrency
        // key or circuit breaker, may start now that this one is recorded.
        if (job.scheduleId !== null || job.concurrencyKey !== null || task.circuitBreaker !== null)
          this.wake();
      });
  }

  #whenNoneRunning(): Promise<void> {
    return new Promise((resolve) => (this.#running.size === 0 ? resolve() : this.#idleWaiters.push(resolve)));
  }
}
