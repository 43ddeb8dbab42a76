import { ApiError } from "./api-client";
import type { Schedule } from "./types";

// The schedule form's state (all strings, as typed), and its translation to the API's
// ScheduleBody. Fields the form does not show (retry, calendars, startAt…) are kept from the
// schedule being edited, so an edit here never drops them.

export const SCHEDULE_KINDS = ["cron", "every", "at", "after"] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

export interface ScheduleForm {
  id: string;
  task: string;
  kind: ScheduleKind;
  cron: string;
  every: string;
  at: string;
  /** The id of the schedule followed (kind `after`). */
  after: string;
  /** What a follower does when the run it follows did not succeed. */
  onFailure: string;
  timezone: string;
  payload: string;
  overlap: string;
  catchup: string;
  maxAttempts: string;
  timeout: string;
}

export type FormField = keyof ScheduleForm;
export type FieldErrors = Partial<Record<FormField, string>>;

const DEFAULTS = { timezone: "UTC", overlap: "allow", catchup: "latest", onFailure: "skip" } as const;

export const EMPTY_FORM: ScheduleForm = {
  id: "",
  task: "",
  kind: "cron",
  cron: "",
  every: "",
  at: "",
  after: "",
  onFailure: DEFAULTS.onFailure,
  timezone: DEFAULTS.timezone,
  payload: "",
  overlap: DEFAULTS.overlap,
  catchup: DEFAULTS.catchup,
  maxAttempts: "",
  timeout: "",
};

/** The keys of a ScheduleBody this form edits; the others pass through untouched. */
const FORM_KEYS = [
  "task",
  "payload",
  "cron",
  "every",
  "at",
  "after",
  "timezone",
  "overlap",
  "catchup",
  "maxAttempts",
  "timeout",
];

const ID = /^[A-Za-z0-9_.:\-/]{1,200}$/;

function text(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function formFromSchedule(schedule: Schedule): ScheduleForm {
  const spec = schedule.spec;
  const kind: ScheduleKind =
    spec.every !== undefined
      ? "every"
      : spec.at !== undefined
        ? "at"
        : spec.after !== undefined
          ? "after"
          : "cron";
  const after = (typeof spec.after === "string" ? { schedule: spec.after } : (spec.after ?? {})) as {
    schedule?: unknown;
    onFailure?: unknown;
  };
  return {
    id: schedule.id,
    task: schedule.task,
    kind,
    cron: text(spec.cron),
    every: text(spec.every),
    at: text(spec.at),
    after: text(after.schedule),
    onFailure: text(after.onFailure) || DEFAULTS.onFailure,
    timezone: text(spec.timezone) || DEFAULTS.timezone,
    payload: "payload" in spec ? JSON.stringify(spec.payload, null, 2) : "",
    overlap: text(spec.overlap) || DEFAULTS.overlap,
    catchup: text(spec.catchup) || DEFAULTS.catchup,
    maxAttempts: text(spec.maxAttempts),
    timeout: text(spec.timeout),
  };
}

/** A duration as the API takes it: a bare number is milliseconds, anything else a string ("30s"). */
function duration(value: string): string | number {
  return /^\d+$/.test(value) ? Number(value) : value;
}

/**
 * The ScheduleBody for the form, or the errors found without asking the server (JSON syntax,
 * a missing value). `requireTask`: a save needs a task; a preview does not.
 */
export function buildBody(
  form: ScheduleForm,
  original: Record<string, unknown> | null,
  requireTask: boolean,
): { body: Record<string, unknown> | null; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(original ?? {})) if (!FORM_KEYS.includes(key)) body[key] = value;
  const keepsDefault = (key: keyof typeof DEFAULTS, value: string) =>
    value === DEFAULTS[key] && (original === null || !(key in original));

  if (form.task !== "") body.task = form.task;
  else if (requireTask) errors.task = "Choose the task its runs execute.";

  const when = form[form.kind].trim();
  if (when === "") errors[form.kind] = EMPTY_TIMING[form.kind];
  else if (form.kind === "after")
    body.after = form.onFailure === DEFAULTS.onFailure ? when : { schedule: when, onFailure: form.onFailure };
  else body[form.kind] = form.kind === "every" ? duration(when) : when;

  // A schedule that follows another fires with it: time zone and catch-up are the leader's.
  const zone = form.timezone.trim();
  if (form.kind !== "after" && zone !== "" && !keepsDefault("timezone", zone)) body.timezone = zone;
  if (!keepsDefault("overlap", form.overlap)) body.overlap = form.overlap;
  if (form.kind !== "after" && !keepsDefault("catchup", form.catchup)) body.catchup = form.catchup;

  if (form.payload.trim() !== "") {
    try {
      body.payload = JSON.parse(form.payload) as unknown;
    } catch (error) {
      errors.payload = `Not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  const attempts = form.maxAttempts.trim();
  if (attempts !== "") {
    if (/^\d+$/.test(attempts) && Number(attempts) >= 1) body.maxAttempts = Number(attempts);
    else errors.maxAttempts = "A whole number, 1 or more (empty: the task's default).";
  }
  const timeout = form.timeout.trim();
  if (timeout !== "") body.timeout = duration(timeout);

  return { body: Object.keys(errors).length === 0 ? body : null, errors };
}

const EMPTY_TIMING: Record<ScheduleKind, string> = {
  cron: "Write a cron expression, such as */5 * * * * or 0 9 * * 1-5.",
  every: "Write an interval, such as 30s, 5m or 1h30m.",
  at: "Write a date-time, such as 2030-01-31T09:00 (read in the time zone).",
  after: "Write the id of the schedule this one follows.",
};

export function idError(id: string): string | null {
  if (id === "") return "Give the schedule an id.";
  return ID.test(id) ? null : "Letters, digits and _ . : - / only (at most 200).";
}

const CODE_FIELDS: Record<string, FormField> = {
  INVALID_CRON: "cron",
  SCHEDULE_NEVER_FIRES: "cron",
  INVALID_TIMEZONE: "timezone",
  INVALID_PAYLOAD: "payload",
  INVALID_TASK_NAME: "task",
};

/**
 * The form field an API error is about: `details.option` when the engine names it, else what
 * the details or the code say, else the path of a schema problem (`/schedule/maxAttempts`).
 */
export function fieldOfError(error: unknown, kind: ScheduleKind): FormField | null {
  if (!(error instanceof ApiError)) return null;
  const { details } = error;
  const named = (name: unknown): FormField | null =>
    typeof name === "string" && name in EMPTY_FORM && name !== "kind" ? (name as FormField) : null;
  if (details.option === "after.onFailure") return "onFailure";
  if (typeof details.option === "string") return named(details.option);
  if (Array.isArray(details.given)) return kind;
  for (const key of ["cron", "every", "at", "after", "timezone"] as const) if (key in details) return key;
  const byCode = CODE_FIELDS[error.code];
  if (byCode !== undefined) return byCode;
  const problems = details.problems;
  if (Array.isArray(problems)) {
    const path = (problems[0] as { path?: unknown } | undefined)?.path;
    if (typeof path === "string") {
      const parts = path.split("/").filter((part) => part !== "" && part !== "schedule");
      return named(parts[0]);
    }
  }
  return null;
}
