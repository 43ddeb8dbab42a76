import type { OnDependencyFailure } from "../domain/dependencies.js";
import { parseDuration, type Duration } from "../domain/duration.js";
import { resolveEnqueue, serializePayload } from "../domain/enqueue-options.js";
import { canonicalJson } from "../domain/canonical-json.js";
import { ErrorCode, InvalidInputError } from "../domain/errors.js";
import type { RetryDelayFunction, RetryPolicy } from "../domain/retry-policy.js";
import { CatchupPolicy, OverlapPolicy, type ResolvedSchedule } from "../domain/schedule.js";
import { parseDateTime } from "./date-time.js";
import { resolveTiming } from "./next-fire.js";

/** A schedule as its author writes it. */
export interface ScheduleSpec<Payload = unknown> {
  /** The task its runs execute. */
  task: string;
  payload?: Payload;
  /** Exactly one of `cron`, `every`, `at`, `after`. */
  cron?: string;
  every?: Duration;
  at?: Date | string;
  /**
   * Follow another schedule: each of its occurrences brings one of this schedule, with the same
   * fire time, that waits until that occurrence's run ends and then runs — or, if that run ended
   * other than succeeded, does what `onFailure` says (`skip`, the default; `fail`: ends dead;
   * `continue`: runs anyway). Chains (`a` → `b` → `c`) follow each other in turn.
   */
  after?: string | { schedule: string; onFailure?: OnDependencyFailure };
  /** IANA time zone of `cron` and of offset-less dates. @defaultValue "UTC" */
  timezone?: string;
  /** No occurrence before this. */
  startAt?: Date | string;
  /** No occurrence after this. */
  endAt?: Date | string;
  /** Each run starts up to this much after its fire time, at random (spreads load). @defaultValue 0 */
  jitter?: Duration;
  /**
   * Occurrences missed while no node was up or the schedule was paused: `skip` them all, run the
   * `latest` once, or run `all` (oldest first, at most `maxCatchup`). Missed ones not run are
   * recorded as skipped. @defaultValue "latest"
   */
  catchup?: CatchupPolicy;
  /** Missed occurrences older than this are skipped whatever the policy. @defaultValue "1d" */
  catchupWindow?: Duration;
  /** @defaultValue 100 */
  maxCatchup?: number;
  /**
   * When the previous run is still queued or running: `allow` another, `skip` this one (recorded
   * as skipped), `queue` it (one waits; more are skipped), or `replace` (cancel the running one).
   * @defaultValue "allow"
   */
  overlap?: OverlapPolicy;
  /** Names of exclusion calendars: occurrences on their dates are skipped and recorded. */
  calendars?: string[];
  queue?: string;
  priority?: number;
  maxAttempts?: number;
  timeout?: Duration;
  retry?: Exclude<RetryPolicy, RetryDelayFunction>;
}

const ID = /^[A-Za-z0-9_.:\-/]{1,200}$/;

/** Validates a schedule; `now` anchors an `every` without `startAt`. Throws InvalidInputError. */
export function resolveSchedule(id: string, spec: ScheduleSpec, now: number): ResolvedSchedule {
  if (typeof id !== "string" || !ID.test(id)) {
    throw invalid(
      "id",
      `schedule id must be 1-200 characters of letters, digits and _ . : - /; got ${JSON.stringify(id)}`,
    );
  }
  if (typeof spec !== "object" || spec === null) throw invalid("spec", "a schedule needs a spec object");
  if (spec.after !== undefined) refuseTimeOptions(id, spec);
  const zone = spec.timezone ?? "UTC";
  const timing = resolveTiming(
    {
      ...(spec.cron === undefined ? {} : { cron: spec.cron }),
      ...(spec.every === undefined ? {} : { every: spec.every }),
      ...(spec.at === undefined ? {} : { at: spec.at }),
      ...(spec.after === undefined ? {} : { after: spec.after }),
      timezone: zone,
      ...(spec.startAt === undefined ? {} : { startAt: spec.startAt }),
    },
    now,
  );
  // The job options are checked the way an enqueue checks them.
  const job = resolveEnqueue(
    spec.task,
    spec.payload,
    {
      ...(spec.queue === undefined ? {} : { queue: spec.queue }),
      ...(spec.priority === undefined ? {} : { priority: spec.priority }),
      ...(spec.maxAttempts === undefined ? {} : { maxAttempts: spec.maxAttempts }),
      ...(spec.timeout === undefined ? {} : { timeout: spec.timeout }),
      ...(spec.retry === undefined ? {} : { retry: spec.retry }),
    },
    now,
  );
  const startAt = spec.startAt === undefined ? null : parseDateTime(spec.startAt, zone, "startAt");
  const endAt = spec.endAt === undefined ? null : parseDateTime(spec.endAt, zone, "endAt");
  if (startAt !== null && endAt !== null && endAt <= startAt)
    throw invalid("endAt", "endAt must be after startAt");
  const catchup = spec.catchup ?? "latest";
  if (!Object.values(CatchupPolicy).includes(catchup)) {
    throw invalid("catchup", `catchup must be "skip", "latest" or "all", got ${JSON.stringify(catchup)}`);
  }
  const overlap = spec.overlap ?? "allow";
  if (!Object.values(OverlapPolicy).includes(overlap)) {
    throw invalid(
      "overlap",
      `overlap must be "allow", "skip", "queue" or "replace", got ${JSON.stringify(overlap)}`,
    );
  }
  const maxCatchup = spec.maxCatchup ?? 100;
  if (!Number.isInteger(maxCatchup) || maxCatchup < 1 || maxCatchup > 100_000) {
    throw invalid(
      "maxCatchup",
      `maxCatchup must be a whole number from 1 to 100000, got ${String(maxCatchup)}`,
    );
  }
  const calendars = spec.calendars ?? [];
  if (!Array.isArray(calendars) || calendars.some((name) => typeof name !== "string" || !ID.test(name))) {
    throw invalid(
      "calendars",
      "calendars must be an array of calendar names (letters, digits and _ . : - /)",
    );
  }
  const jitterMs = parseDuration(spec.jitter ?? 0, "jitter");
  if (jitterMs > 86_400_000) throw invalid("jitter", "jitter must be at most 1 day");
  const resolved: Omit<ResolvedSchedule, "specJson"> = {
    id,
    task: job.task,
    payloadJson: job.payloadJson,
    timing,
    startAt,
    endAt,
    jitterMs,
    catchup,
    catchupWindowMs: parseDuration(spec.catchupWindow ?? "1d", "catchupWindow"),
    maxCatchup,
    overlap,
    calendars: [...new Set(calendars)].sort(),
    queue: job.queue,
    priority: job.priority,
    maxAttempts: job.maxAttempts,
    timeoutMs: job.timeoutMs,
    retry: job.retry,
  };
  return { ...resolved, specJson: normalizedSpec(spec) };
}

/** Options about when a schedule fires, which a schedule that follows another does not have. */
const TIME_OPTIONS = [
  "timezone",
  "startAt",
  "endAt",
  "jitter",
  "catchup",
  "catchupWindow",
  "maxCatchup",
  "calendars",
] as const;

function refuseTimeOptions(id: string, spec: ScheduleSpec): void {
  const given = TIME_OPTIONS.filter((option) => spec[option] !== undefined);
  if (given.length > 0) {
    throw invalid(
      given[0] as string,
      `${given.join(", ")} ${given.length === 1 ? "does" : "do"} not apply to a schedule with after: it fires when the schedule it follows fires, and that schedule's ${given.length === 1 ? "option decides" : "options decide"}`,
    );
  }
  const leader =
    typeof spec.after === "string" ? spec.after : (spec.after as { schedule?: unknown } | null)?.schedule;
  if (leader === id) throw invalid("after", `schedule ${JSON.stringify(id)} cannot follow itself`);
}

/** The spec as stable JSON (sorted keys, dates as ISO strings), for "did it change?". */
function normalizedSpec(spec: ScheduleSpec): string {
  const plain = JSON.parse(JSON.stringify(spec)) as unknown;
  serializePayload(plain, "schedule spec");
  return canonicalJson(plain);
}

function invalid(option: string, message: string): InvalidInputError {
  return new InvalidInputError(message, { code: ErrorCode.InvalidSchedule, details: { option } });
}
