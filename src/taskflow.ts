import type { LevelWithSilent, Logger } from "pino";
import type { Registry } from "prom-client";
import { resolveEnqueue, type EnqueueOptions, type NewJob } from "./domain/enqueue-options.js";
import { hasKeyFunctions, keysFromTask } from "./worker/claim-limits.js";
import { ErrorCode, InvalidInputError, TaskFlowError } from "./domain/errors.js";
import type { Job } from "./domain/job.js";
import type { JobAttempt } from "./domain/job-attempts.js";
import type { SqlClient, TaskDefinition, TaskRef } from "./domain/task.js";
import { runOnce, type OnceOptions } from "./flow/once.js";
import { compileSaga } from "./flow/saga.js";
import { compileFlow, type FlowDefinition, type FlowJob } from "./flow/job-flow.js";
import type { JobDependencies } from "./domain/dependencies.js";
import type { SagaDefinition } from "./domain/saga.js";
import { AlertEngine, createAlertChannels } from "./alerts/alert-engine.js";
import { resolveAlertOptions, type AlertOptions } from "./alerts/alert-options.js";
import { AlertService } from "./alerts/alert-service.js";
import type { AlertChannel } from "./alerts/notification.js";
import { Maintenance } from "./maintenance/maintenance.js";
import { resolveMaintenanceOptions, type MaintenanceOptions } from "./maintenance/maintenance-options.js";
import type { Schedule, ScheduleChange } from "./domain/schedule.js";
import { FireLoop } from "./scheduler/fire-loop.js";
import { ScheduleService, type ScheduleChangeOptions } from "./scheduler/schedule-service.js";
import { resolveSchedulerOptions, type SchedulerOptions } from "./scheduler/scheduler-options.js";
import type { ScheduleSpec } from "./scheduler/schedule-spec.js";
import { createLogger } from "./observability/logger.js";
import { JobTracing, TraceAttribute } from "./observability/job-tracing.js";
import {
  resolveMetricsOptions,
  TaskFlowMetrics,
  type MetricsOptions,
} from "./observability/taskflow-metrics.js";
import { openStore, type StoreOptions } from "./store/open-store.js";
import type { StoredStep } from "./store/flow-store.js";
import type { LeaseHolder, NodeInfo } from "./store/maintenance-store.js";
import type { ClaimKeys, ScheduleFilter } from "./store/schedule-store.js";
import type {
  CircuitBreakerState,
  DeadJobFilter,
  EnqueueOutcome,
  JobFilter,
  Store,
  StoredJobLog,
} from "./store/store.js";
import type { Clock } from "./time/clock.js";
import { measureClockOffset, SystemClock } from "./time/system-clock.js";
import { TaskRegistry } from "./worker/task-registry.js";
import { resolveWorkerOptions, type WorkerOptions } from "./worker/worker-options.js";
import { WorkerPool } from "./worker/worker-pool.js";

export interface TaskFlowOptions extends StoreOptions {
  worker?: WorkerOptions;
  scheduler?: SchedulerOptions;
  /** Leased housekeeping (expired-lease reaper, retention) and the node registry. */
  maintenance?: MaintenanceOptions;
  /** Prometheus metrics (docs/metrics.md): the registry to use, how long store readings are cached. */
  metrics?: MetricsOptions;
  /**
   * OpenTelemetry spans for enqueues, schedule fires and attempts (docs/tracing.md), sent to the
   * SDK the application registered; with none registered they cost nothing and store nothing.
   * `false` starts no span and stores no trace context. @defaultValue true
   */
  tracing?: boolean;
  /** Alert rules, tiers, channels and silences (docs/alerting.md). No channel: alerts are recorded, not sent. */
  alerts?: AlertOptions;
  /** A pino logger, or the level of the default one. @defaultValue "info" */
  logger?: Logger | LevelWithSilent;
  /** Tests pass a FakeClock. @defaultValue the system clock, calibrated to the database clock */
  clock?: Clock;
  /**
   * `reject`: enqueueing a task this instance has not registered is an error (catches typos).
   * `allow`: for producer-only processes that enqueue tasks other processes run. @defaultValue "reject"
   */
  unknownTasks?: "reject" | "allow";
}

export interface EnqueueItem<Payload = unknown> {
  task: TaskRef<Payload> | string;
  payload: Payload;
  options?: EnqueueOptions;
}

/** A job as enqueue returns it; `created` is false when an idempotency key matched an existing job. */
export type EnqueuedJob<Payload = unknown> = Job<Payload> & { created: boolean };

const CLOCK_CALIBRATION_MS = 60_000;

/** The `tx` option of a batch: one for all of its items, or none. */
function sharedTransaction(items: EnqueueItem[]): SqlClient | undefined {
  const txs = new Set(items.map((item) => item.options?.tx));
  if (txs.size > 1) {
    throw new InvalidInputError("every item of one enqueueMany must give the same tx, or none", {
      code: ErrorCode.InvalidOption,
      details: { option: "tx" },
    });
  }
  return [...txs][0];
}

/**
 * One TaskFlow node: register tasks, enqueue jobs, and (after `start()`) run them.
 *
 * ```ts
 * const tf = await TaskFlow.create();                      // embedded PGlite in ./.taskflow
 * const hello = tf.task<{ name: string }>("hello", { run: (ctx) => `hi ${ctx.payload.name}` });
 * await tf.start();
 * await tf.enqueue(hello, { name: "Ada" });
 * ```
 */
export class TaskFlow {
  readonly #registry = new TaskRegistry();
  readonly #pool: WorkerPool;
  readonly #maintenance: Maintenance;
  readonly #fireLoop: FireLoop | null;
  readonly #schedules: ScheduleService;
  readonly #systemClock: SystemClock | null;
  readonly #metrics: TaskFlowMetrics;
  readonly #tracing: JobTracing;
  readonly #alertEngine: AlertEngine | null;
  /** Alerts: list, acknowledge, silence, test a channel (docs/alerting.md). */
  readonly alerts: AlertService;
  #calibration: ReturnType<Clock["setTimer"]> | null = null;
  #state: "created" | "started" | "stopped" = "created";

  private constructor(
    readonly store: Store,
    readonly clock: Clock,
    readonly logger: Logger,
    private readonly options: TaskFlowOptions,
    alertChannels: ReadonlyMap<string, AlertChannel>,
  ) {
    const settings = resolveWorkerOptions(options.worker);
    this.#systemClock = clock instanceof SystemClock ? clock : null;
    this.#metrics = new TaskFlowMetrics(resolveMetricsOptions(options.metrics), {
      clock,
      logger,
      store,
      leaseHolder: () => this.#maintenance.holder(),
      holdsLease: () => this.#maintenance.fence !== null,
      clockSkewMs: () => this.clockSkewMs,
      // Three missed node heartbeats.
      liveNodeWindowMs: 3 * resolveMaintenanceOptions(options.maintenance).nodeHeartbeatMs,
    });
    const sink = this.#metrics.sink;
    store.dependencies.onJobsEnded((jobs) => jobs.forEach((job) => this.#countEndedByDependency(job)));
    this.#tracing = new JobTracing(options.tracing !== false);
    this.#pool = new WorkerPool(store, this.#registry, clock, logger, settings, sink, this.#tracing);
    const maintenance = resolveMaintenanceOptions(options.maintenance);
    const alerting = resolveAlertOptions(options.alerts);
    this.#alertEngine = alerting.enabled
      ? new AlertEngine(store.alerts, clock, logger, alerting, alertChannels, {
          id: settings.workerId,
          liveNodeWindowMs: 3 * maintenance.nodeHeartbeatMs,
          onDelivery: (channel, outcome) => sink.alertDelivery(channel, outcome),
        })
      : null;
    this.alerts = new AlertService(store.alerts, clock, alerting, alertChannels);
    this.#maintenance = new Maintenance(store, clock, logger, maintenance, {
      id: settings.workerId,
      clockSkewMs: () => this.clockSkewMs,
      reapIntervalMs: settings.reapIntervalMs,
      onReaped: () => this.#pool.wake(),
      metrics: sink,
      leasedTasks: this.#alertEngine === null ? [] : [this.#alertEngine.leasedTask],
    });
    const scheduler = resolveSchedulerOptions(options.scheduler);
    this.#fireLoop = scheduler.enabled
      ? new FireLoop(
          store,
          clock,
          logger,
          scheduler,
          (task, payloadJson) => this.#occurrenceKeys(task, payloadJson),
          sink,
          this.#tracing,
        )
      : null;
    this.#schedules = new ScheduleService(store, clock, () => this.#fireLoop?.wake());
  }

  /** Opens the store (PGlite unless `database` is given), applies migrations, calibrates the clock. */
  static async create(options: TaskFlowOptions = {}): Promise<TaskFlow> {
    resolveWorkerOptions(options.worker); // fail on bad options before touching the database
    resolveSchedulerOptions(options.scheduler);
    resolveMaintenanceOptions(options.maintenance);
    resolveMetricsOptions(options.metrics);
    const logger =
      typeof options.logger === "object" ? options.logger : createLogger(options.logger ?? "info");
    const clock = options.clock ?? new SystemClock();
    const alertChannels = await createAlertChannels(resolveAlertOptions(options.alerts), clock);
    const store = await openStore(options, clock, logger);
    const taskflow = new TaskFlow(store, clock, logger, options, alertChannels);
    if (options.database !== undefined && options.database !== "") await taskflow.#calibrateClock();
    return taskflow;
  }

  /** Registers the handler for `name`. Jobs of a task run only on nodes that registered it. */
  task<Payload = unknown, Result = unknown>(
    name: string,
    definition: TaskDefinition<Payload, Result>,
  ): TaskRef<Payload> {
    this.#registry.register(name, definition);
    return { name };
  }

  /**
   * Registers a saga: a task whose steps run in order, each durable, and whose completed steps
   * are undone newest first when it fails for good (or is cancelled). Its job goes
   * `compensating` → `compensated`, or `compensation_failed` if a compensation cannot succeed.
   * Every step needs a `compensate` or `irreversible: true`; names are unique (INVALID_SAGA).
   *
   * ```ts
   * tf.saga<{ amount: number }>("transfer", {
   *   steps: [
   *     { name: "debit", transactional: true, run: (ctx, tx) => debit(tx, ctx.payload),
   *       compensate: (ctx, tx) => credit(tx, ctx.payload) },
   *     { name: "notify", irreversible: true, run: (ctx) => mail(ctx.payload) },
   *   ],
   * });
   * ```
   */
  saga<Payload = unknown>(name: string, definition: SagaDefinition<Payload>): TaskRef<Payload> {
    const { task, saga } = compileSaga(name, definition);
    this.#registry.register(name, task, saga);
    return { name };
  }

  /** Names of the tasks this node has registered. */
  get taskNames(): string[] {
    return this.#registry.all().map((task) => task.name);
  }

  async enqueue<Payload>(
    task: TaskRef<Payload> | string,
    payload: Payload,
    options: EnqueueOptions = {},
  ): Promise<EnqueuedJob<Payload>> {
    const [job] = await this.enqueueMany([{ task, payload, options }]);
    return job as EnqueuedJob<Payload>;
  }

  /** Enqueues many jobs in one round trip; all are validated before anything is written. */
  async enqueueMany(items: EnqueueItem[]): Promise<EnqueuedJob[]> {
    const now = this.clock.now();
    return this.#write(this.#resolveItems(items, now), sharedTransaction(items), now);
  }

  /**
   * Enqueues a DAG of named jobs at once, in one transaction: each job waits (`waiting`) for the
   * jobs of the flow it `dependsOn`, and runs when they have finished — or, when one ended other
   * than succeeded, follows the edge's `onFailure` (`fail` | `skip` | `continue`). A handler reads
   * what its dependencies returned with `ctx.dependencies()`. Cycles (FLOW_CYCLE) and names
   * outside the flow (INVALID_FLOW) are refused before anything is written.
   *
   * ```ts
   * const { load } = await tf.flow({ jobs: {
   *   extract: { task: extract, payload: { day } },
   *   transform: { task: transform, payload: {}, dependsOn: ["extract"] },
   *   load: { task: load, payload: {}, dependsOn: [{ job: "transform", onFailure: "skip" }] },
   * } });
   * ```
   */
  async flow(definition: FlowDefinition): Promise<Record<string, EnqueuedJob>> {
    const { names, edges } = compileFlow(definition);
    const now = this.clock.now();
    const items = names.map((name) => {
      const job = definition.jobs[name] as FlowJob;
      return { task: job.task, payload: job.payload, options: job.options ?? {} };
    });
    const jobs = this.#resolveItems(items, now).map((job, i) => ({
      ...job,
      dependsOn: [...job.dependsOn, ...(edges[i] ?? [])],
    }));
    const written = await this.#write(jobs, definition.tx, now);
    return Object.fromEntries(names.map((name, i) => [name, written[i] as EnqueuedJob]));
  }

  #resolveItems(items: EnqueueItem[], now: number): NewJob[] {
    return items.map((item, index) => {
      const name = typeof item.task === "string" ? item.task : item.task?.name;
      if (items.length > 1) this.#checkTaskKnown(name, index);
      else this.#checkTaskKnown(name);
      return this.#withTaskKeys(resolveEnqueue(name, item.payload, item.options ?? {}, now), item);
    });
  }

  async #write(jobs: NewJob[], tx: SqlClient | undefined, now: number): Promise<EnqueuedJob[]> {
    // The same idempotency key twice in one call: the later items get the first item's job.
    const firstWithKey = new Map<string, number>();
    const sent: number[] = [];
    jobs.forEach((job, index) => {
      const key = job.idempotencyKey;
      if (key !== null && firstWithKey.has(key)) return;
      if (key !== null) firstWithKey.set(key, index);
      sent.push(index);
    });
    // An edge to another item of the batch points at the position that item is sent at.
    const sentAt = new Map(sent.map((index, position) => [index, position]));
    const positionOf = (index: number): number => {
      const own = sentAt.get(index);
      if (own !== undefined) return own;
      const first = firstWithKey.get(jobs[index]?.idempotencyKey ?? "");
      return first === undefined ? index : (sentAt.get(first) ?? index);
    };
    const outcomes = await this.#enqueueTraced(
      sent.map((index) => {
        const job = jobs[index] as NewJob;
        return {
          ...job,
          dependsOn: job.dependsOn.map((d) => (d.index === null ? d : { ...d, index: positionOf(d.index) })),
        };
      }),
      now,
      tx,
    );
    // In the application's own transaction the insert may still roll back: not counted.
    if (tx === undefined)
      for (const { created, job } of outcomes) {
        if (!created) continue;
        this.#metrics.sink.jobEnqueued(job);
        // Enqueued after a dependency it waits for had already ended badly: ended at once.
        this.#countEndedByDependency(job);
      }
    const outcomeOf = new Map(sent.map((index, n) => [index, outcomes[n] as EnqueueOutcome]));
    return jobs.map((job, index) => {
      const own = outcomeOf.get(index);
      if (own !== undefined) return { ...own.job, created: own.created };
      const first = outcomeOf.get(firstWithKey.get(job.idempotencyKey as string) as number) as EnqueueOutcome;
      return { ...first.job, created: false };
    });
  }

  /** Counts a job its dependency edges ended (dead or skipped) without running. */
  #countEndedByDependency(job: Job): void {
    if (job.state === "dead" || job.state === "skipped")
      this.#metrics.sink.jobEndedByDependency(job, job.state);
  }

  /**
   * Writes the jobs inside one enqueue span (a child of the caller's active span), whose context
   * each job stores so that its attempts join the caller's trace.
   */
  async #enqueueTraced(jobs: NewJob[], now: number, tx: SqlClient | undefined): Promise<EnqueueOutcome[]> {
    const span = this.#tracing.startEnqueue(jobs, tx !== undefined);
    const traced =
      span.traceContext === null ? jobs : jobs.map((job) => ({ ...job, traceContext: span.traceContext }));
    try {
      const outcomes = await span.run(() => this.store.enqueue(traced, now, tx));
      const single = outcomes.length === 1 ? outcomes[0] : undefined;
      span.end(
        single === undefined
          ? undefined
          : {
              [TraceAttribute.JobId]: single.job.id,
              [TraceAttribute.MessagingMessageId]: single.job.id,
              [TraceAttribute.JobCreated]: single.created,
            },
      );
      return outcomes;
    } catch (error) {
      span.fail(error);
      throw error;
    }
  }

  /** Keys the task definition derives from the payload, where the enqueue options gave none. */
  #withTaskKeys(job: NewJob, item: EnqueueItem): NewJob {
    const task = this.#registry.get(job.task);
    return task === undefined ? job : { ...job, ...keysFromTask(task, item.payload, item.options ?? {}) };
  }

  /**
   * Keys for a schedule's occurrences, when this node registered the task. A key function that
   * fails here cannot refuse the occurrence (it is due): it fires without that key, and says so.
   */
  #occurrenceKeys(task: string, payloadJson: string): ClaimKeys {
    const keys: ClaimKeys = { concurrencyKey: null, rateLimitKey: null, circuitKey: null };
    const registered = this.#registry.get(task);
    if (registered === undefined || !hasKeyFunctions(registered)) return keys;
    const derived = keysFromTask(registered, JSON.parse(payloadJson) as unknown, {}, (option, error) =>
      this.logger.error(
        { err: error, task, option },
        "a schedule's occurrence fires without the key its task names",
      ),
    );
    return { ...keys, ...derived };
  }

  #checkTaskKnown(name: string, index?: number): void {
    if ((this.options.unknownTasks ?? "reject") === "reject" && !this.#registry.has(name)) {
      throw new InvalidInputError(
        `unknown task ${JSON.stringify(name)}${index === undefined ? "" : ` (item ${index})`}: register it with tf.task() first, or create TaskFlow with unknownTasks: "allow" in a process that does not run it`,
        { code: ErrorCode.UnknownTask, details: { task: name } },
      );
    }
  }

  /**
   * Runs `fn` once for `key` across every node and process sharing the store, and answers
   * every repeat call within `ttl` with the recorded result (JSON) instead of running it again.
   * A call made while another is running `fn` waits for its result. A failed `fn` records
   * nothing. Usable anywhere, inside a job or not.
   */
  once<T>(key: string, fn: () => Promise<T> | T, options?: OnceOptions): Promise<T> {
    return runOnce(this.store.flow, this.clock, key, fn, options);
  }

  /** Every circuit breaker (tasks' `circuitBreaker`), open ones first. */
  circuitBreakers(): Promise<CircuitBreakerState[]> {
    return this.store.listCircuitBreakers();
  }

  /** The completed durable steps of a job (`ctx.step`), oldest first. */
  jobSteps(id: string): Promise<StoredStep[]> {
    return this.store.flow.listSteps(id);
  }

  async getJob(id: string): Promise<Job | null> {
    return this.store.getJob(id);
  }

  async listJobs(filter: JobFilter = {}): Promise<Job[]> {
    return this.store.listJobs(filter);
  }

  /** The job's attempts, oldest first, with the error of each failed one; null if there is no such job. */
  jobAttempts(id: string): Promise<JobAttempt[] | null> {
    return this.store.getJobAttempts(id);
  }

  async jobLogs(id: string): Promise<StoredJobLog[]> {
    return this.store.listJobLogs(id);
  }

  /** What a job waits for and what waits for it, with their states and results; null if no such job. */
  jobDependencies(id: string): Promise<JobDependencies | null> {
    return this.store.dependencies.listDependencies(id);
  }

  /**
   * A waiting or queued job is cancelled at once (its dependents follow their edges); a running
   * one has its handler's signal aborted.
   */
  async cancel(id: string): Promise<Job> {
    const job = await this.store.cancel(id, this.clock.now());
    // A running job is counted when its worker records the cancellation.
    if (job.state === "cancelled") this.#metrics.sink.jobCancelled(job);
    return job;
  }

  /** Brings a dead or cancelled job back with a fresh attempt budget. */
  async replay(id: string): Promise<Job> {
    return this.store.replay(id, this.clock.now());
  }

  /** Replays every dead job matching the filter; returns how many. */
  async replayDead(filter: DeadJobFilter = {}): Promise<number> {
    return this.store.replayDead(filter, this.clock.now());
  }

  /** How many dead jobs match the filter: what `replayDead` would replay now. */
  countDead(filter: DeadJobFilter = {}): Promise<number> {
    return this.store.countDead(filter);
  }

  /**
   * Creates or updates a schedule. Idempotent: calling it at every boot of every replica with
   * the same spec changes nothing. An edit never fires retroactively, and occurrences of the old
   * definition enqueued ahead are withdrawn.
   */
  async schedule<Payload>(
    id: string,
    spec: Omit<ScheduleSpec<Payload>, "task"> & { task: TaskRef<Payload> | string },
    options?: ScheduleChangeOptions,
  ): Promise<Schedule> {
    const task = typeof spec.task === "string" ? spec.task : spec.task.name;
    this.#checkTaskKnown(task);
    return this.#schedules.upsert(id, { ...spec, task }, options);
  }

  /** Deletes a schedule and its occurrences not yet started. Returns false if there was none. */
  unschedule(id: string, options?: ScheduleChangeOptions): Promise<boolean> {
    return this.#schedules.remove(id, options);
  }

  /** Stops a schedule firing and withdraws its occurrences enqueued ahead. */
  pause(scheduleId: string, options?: ScheduleChangeOptions): Promise<Schedule> {
    return this.#schedules.pause(scheduleId, options);
  }

  /** Lets a paused schedule fire again; what it missed meanwhile follows its catch-up policy. */
  resume(scheduleId: string, options?: ScheduleChangeOptions): Promise<Schedule> {
    return this.#schedules.resume(scheduleId, options);
  }

  /** Runs a schedule's task now, once, outside its cadence. */
  async trigger(scheduleId: string, options?: ScheduleChangeOptions): Promise<Job> {
    const span = this.#tracing.startTrigger(scheduleId);
    let job: Job;
    try {
      job = await span.run(() => this.#schedules.trigger(scheduleId, options, span.traceContext));
    } catch (error) {
      span.fail(error);
      throw error;
    }
    span.end({
      [TraceAttribute.JobId]: job.id,
      [TraceAttribute.Task]: job.task,
      [TraceAttribute.Queue]: job.queue,
    });
    this.#metrics.sink.jobEnqueued(job);
    return job;
  }

  getSchedule(id: string): Promise<Schedule | null> {
    return this.#schedules.get(id);
  }

  /** Schedules by id, a page at a time: pass the last id of a page as `after` for the next. */
  listSchedules(filter: ScheduleFilter = {}): Promise<Schedule[]> {
    return this.#schedules.list(filter);
  }

  /** Every change made to a schedule: who, when, what, before and after. */
  scheduleHistory(id: string): Promise<ScheduleChange[]> {
    return this.#schedules.history(id);
  }

  /** The next `n` fire times of a spec, without saving anything. */
  previewSchedule<Payload>(
    spec: Omit<ScheduleSpec<Payload>, "task"> & { task: TaskRef<Payload> | string },
    n = 10,
  ): Date[] {
    const task = typeof spec.task === "string" ? spec.task : spec.task.name;
    return this.#schedules.preview({ ...spec, task }, n);
  }

  /** The next `n` fire times of a stored schedule (none while paused). */
  upcomingFires(schedule: Schedule, n = 10): Date[] {
    return this.#schedules.upcoming(schedule, n);
  }

  /** Creates or replaces an exclusion calendar (dates `"2030-12-25"` or ranges `{ from, to }`). */
  defineCalendar(name: string, dates: (string | { from: string; to: string })[]): Promise<void> {
    return this.#schedules.defineCalendar(name, dates);
  }

  /**
   * Starts claiming and running jobs of the registered tasks, firing schedules, and contending
   * for the maintenance lease (whose holder reaps expired leases and applies retention).
   */
  async start(): Promise<void> {
    if (this.#state === "stopped")
      throw new TaskFlowError("this TaskFlow was stopped; create a new one", { code: ErrorCode.Closed });
    if (this.#state === "started") return;
    this.#state = "started";
    await this.#pool.start();
    await this.#maintenance.start();
    await this.#alertEngine?.start();
    this.#fireLoop?.start();
    if (this.#systemClock !== null && this.options.database) this.#scheduleCalibration();
  }

  /** Stops claiming, drains running jobs (releasing what outlives the drain timeout), closes the store. */
  async stop(): Promise<void> {
    if (this.#state === "stopped") return;
    this.#state = "stopped";
    this.#calibration?.cancel();
    // The pool stops claiming at once; the lease is released and the fire loop stops meanwhile.
    await Promise.all([
      this.#pool.stop(),
      this.#maintenance.stop(),
      this.#fireLoop?.stop(),
      this.#alertEngine?.stop(),
    ]);
    await this.store.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** The nodes of the cluster as they last reported themselves (every few seconds while started). */
  listNodes(): Promise<NodeInfo[]> {
    return this.#maintenance.listNodes();
  }

  /** Which node runs housekeeping now, with its tenure's fence; null when none holds the lease. */
  maintenanceLeaseHolder(): Promise<LeaseHolder | null> {
    return this.#maintenance.holder();
  }

  /**
   * This instance's Prometheus metrics (docs/metrics.md), to serve from your own `/metrics`:
   * `res.type(tf.metrics.contentType).send(await tf.metrics.metrics())`. `taskflow start`
   * serves them at `/metrics`.
   */
  get metrics(): Registry {
    return this.#metrics.registry;
  }

  /** Local wall clock minus the database clock, in ms (0 on the embedded store). */
  get clockSkewMs(): number {
    return this.#systemClock?.skewMs ?? 0;
  }

  async #calibrateClock(): Promise<void> {
    if (this.#systemClock === null) return;
    const clock = this.#systemClock;
    const { offsetMs, roundTripMs } = await measureClockOffset(
      () => this.store.readTime(),
      5,
      () => clock.localNow(),
    );
    clock.calibrate(offsetMs);
    clock.onJump = (jumpMs) => {
      if (this.#state !== "started") return;
      this.logger.warn(
        { jumpMs },
        "the machine's wall clock jumped; TaskFlow keeps time by the database and recalibrates now",
      );
      void this.#calibrateClock().catch((error: unknown) =>
        this.logger.warn({ err: error }, "clock calibration failed"),
      );
    };
    const skew = this.#systemClock.skewMs;
    const level = Math.abs(skew) > 1000 ? "warn" : "debug";
    this.logger[level]({ skewMs: skew, roundTripMs }, "clock calibrated against the database");
  }

  #scheduleCalibration(): void {
    this.#calibration = this.clock.setTimer(this.clock.now() + CLOCK_CALIBRATION_MS, () => {
      void this.#calibrateClock()
        .catch((error: unknown) => this.logger.warn({ err: error }, "clock calibration failed"))
        .finally(() => this.#state === "started" && this.#scheduleCalibration());
    });
  }
}
