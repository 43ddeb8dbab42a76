// The public API of TaskFlow. Everything not named here is internal.
export { TaskFlow } from "./taskflow.js";
export type { TaskFlowOptions, EnqueueItem, EnqueuedJob } from "./taskflow.js";
export type { WorkerOptions } from "./worker/worker-options.js";
export type { SchedulerOptions } from "./scheduler/scheduler-options.js";
export type { MaintenanceOptions } from "./maintenance/maintenance-options.js";
export type { MetricsOptions } from "./observability/taskflow-metrics.js";
export type {
  AlertOptions,
  AlertRouteOptions,
  AlertRuleOptions,
  ConfiguredSilence,
} from "./alerts/alert-options.js";
export type { AlertRuleName } from "./alerts/alert-rules.js";
export type { AlertService, AlertDetail, SilenceInput } from "./alerts/alert-service.js";
export type {
  AlertRecord,
  AlertSubject,
  AlertFilter,
  Silence,
  SilenceMatchers,
  OutboxEntry,
  StoredDelivery,
} from "./store/alert-store.js";
export type { ScheduleSpec } from "./scheduler/schedule-spec.js";
export type { ScheduleChangeOptions } from "./scheduler/schedule-service.js";
export type { Schedule, ScheduleChange, ScheduleTiming, ExclusionCalendar } from "./domain/schedule.js";
export { CatchupPolicy, OverlapPolicy } from "./domain/schedule.js";
export type { StoreOptions } from "./store/open-store.js";
export type { EnqueueOptions } from "./domain/enqueue-options.js";
export type {
  TaskDefinition,
  TaskContext,
  TaskRef,
  JobLogger,
  SqlClient,
  StepInfo,
  RateLimit,
  CircuitBreakerOptions,
} from "./domain/task.js";
export type { OnceOptions } from "./flow/once.js";
export type {
  SagaDefinition,
  SagaStep,
  PlainSagaStep,
  TransactionalSagaStep,
  SagaStepContext,
  CompensationContext,
  CompensationOptions,
} from "./domain/saga.js";
export type { StoredStep } from "./store/flow-store.js";
export type { FlowDefinition, FlowJob, FlowDependsOn } from "./flow/job-flow.js";
export { OnDependencyFailure } from "./domain/dependencies.js";
export type { DependsOn, DependencyLink, DependencyResults, JobDependencies } from "./domain/dependencies.js";
export type { Job, JobError, TraceContext } from "./domain/job.js";
export { JobState } from "./domain/job-state.js";
export type { RetryPolicy, RetryDelayFunction } from "./domain/retry-policy.js";
export type { Duration } from "./domain/duration.js";
export type {
  JobFilter,
  DeadJobFilter,
  StoredJobLog,
  CircuitBreakerState,
  CircuitState,
} from "./store/store.js";
export type { NodeInfo, LeaseHolder } from "./store/maintenance-store.js";
export {
  ErrorCode,
  TaskFlowError,
  InvalidInputError,
  NotFoundError,
  InvalidStateError,
  StoreError,
  PermanentError,
  RetryAfterError,
  JobTimeoutError,
  JobCancelledError,
  LeaseLostError,
  WorkerShutdownError,
} from "./domain/errors.js";
export type { Clock, Timer } from "./time/clock.js";
export { FakeClock } from "./time/fake-clock.js";
export { shellTask, httpTask, PermanentExecutorError } from "./executors/index.js";
export type {
  ShellJobSpec,
  ShellExecutorSettings,
  ShellResult,
  HttpJobSpec,
  HttpExecutorSettings,
  HttpResult,
} from "./executors/index.js";
