import { useEffect, useMemo, useState } from "preact/hooks";
import * as api from "../api";
import { ApiError, errorMessage, isAbort } from "../api-client";
import { Field } from "../components/Field";
import { LoadError, Loading } from "../components/Status";
import { viewerZone } from "../format";
import { notify } from "../notices";
import { useDebounced } from "../poll";
import { href, navigate } from "../router";
import {
  buildBody,
  EMPTY_FORM,
  fieldOfError,
  formFromSchedule,
  idError,
  type FieldErrors,
  type FormField,
  type ScheduleForm as FormState,
  type ScheduleKind,
} from "../schedule-form";
import { useCan } from "../session";
import type { Schedule, TaskInfo } from "../types";
import { managedBy } from "./ScheduleActions";
import { Preview, PREVIEW_COUNT, TimeZoneList, ZoneHint, type PreviewState } from "./ScheduleFormParts";

/** `#/schedules/new` and `#/schedules/<id>/edit`: loads what the form needs, then shows it. */
export function ScheduleFormPage(props: { id?: string }) {
  const canOperate = useCan("operator");
  const [tasks, setTasks] = useState<TaskInfo[] | null>(null);
  const [schedule, setSchedule] = useState<Schedule | null>(null);
  const [error, setError] = useState<unknown>(null);
  const editing = props.id !== undefined;

  useEffect(() => {
    const controller = new AbortController();
    Promise.all([
      api.tasks(controller.signal),
      props.id === undefined ? Promise.resolve(null) : api.schedules.get(props.id, controller.signal),
    ])
      .then(([taskList, found]) => {
        setTasks(taskList.items);
        setSchedule(found);
      })
      .catch((caught: unknown) => {
        if (!isAbort(caught)) setError(caught);
      });
    return () => controller.abort();
  }, [props.id]);

  const title = editing ? `Edit ${props.id ?? ""}` : "New schedule";
  const back = props.id === undefined ? href.schedules : href.schedule(props.id);
  const managed = schedule === null ? null : managedBy(schedule);
  return (
    <>
      <p class="crumbs">
        <a href={back}>← {editing ? "Back to the schedule" : "Schedules"}</a>
      </p>
      <h1>{title}</h1>
      {!canOperate ? (
        <p class="alert info">Creating and editing schedules needs the operator role.</p>
      ) : error !== null ? (
        <LoadError error={error} />
      ) : tasks === null || (editing && schedule === null) ? (
        <Loading />
      ) : managed !== null ? (
        <p class="alert info">
          This schedule is {managed}: edit it there. Pause, resume and trigger work here.
        </p>
      ) : (
        <ScheduleFormView tasks={tasks} original={schedule} />
      )}
    </>
  );
}

function ScheduleFormView(props: { tasks: TaskInfo[]; original: Schedule | null }) {
  const { original } = props;
  const [form, setForm] = useState<FormState>(() =>
    original === null ? EMPTY_FORM : formFromSchedule(original),
  );
  const [touched, setTouched] = useState<Set<FormField>>(
    () => new Set(original === null ? [] : ["cron", "every", "at", "after"]),
  );
  const [preview, setPreview] = useState<PreviewState>({ status: "idle", fireTimes: [], error: null });
  const [saveError, setSaveError] = useState<ApiError | string | null>(null);
  const [saving, setSaving] = useState(false);

  const built = useMemo(() => buildBody(form, original?.spec ?? null, false), [form, original]);
  const previewBody = useDebounced(built.body === null ? null : JSON.stringify(built.body), 400);

  useEffect(() => {
    if (previewBody === null) {
      setPreview({ status: "idle", fireTimes: [], error: null });
      return;
    }
    const controller = new AbortController();
    setPreview((previous) => ({ ...previous, status: "checking" }));
    api.schedules
      .preview(JSON.parse(previewBody) as Record<string, unknown>, PREVIEW_COUNT, controller.signal)
      .then((result) => setPreview({ status: "ok", fireTimes: result.fireTimes, error: null }))
      .catch((caught: unknown) => {
        if (isAbort(caught)) return;
        const apiError =
          caught instanceof ApiError ? caught : new ApiError(0, "NETWORK", errorMessage(caught));
        setPreview({ status: "error", fireTimes: [], error: apiError });
      });
    return () => controller.abort();
  }, [previewBody]);

  const set = (field: FormField, value: string) => {
    setForm((previous) => ({ ...previous, [field]: value }));
    setTouched((previous) => new Set(previous).add(field));
    setSaveError(null);
  };

  // Errors next to their field: what the form found itself (once the field was edited), then
  // what the server said about the preview or the save.
  const errors: FieldErrors = {};
  for (const [field, message] of Object.entries(built.errors) as [FormField, string][]) {
    if (touched.has(field)) errors[field] = message;
  }
  if (touched.has("id") && original === null) {
    const problem = idError(form.id.trim());
    if (problem !== null) errors.id = problem;
  }
  let generalError: string | null = null;
  for (const error of [preview.status === "error" ? preview.error : null, saveError]) {
    if (error === null) continue;
    const field = typeof error === "string" ? null : fieldOfError(error, form.kind);
    const message = typeof error === "string" ? error : error.message;
    if (field !== null && errors[field] === undefined) errors[field] = message;
    else if (field === null) generalError = message;
  }

  const save = async (event: Event) => {
    event.preventDefault();
    if (saving) return;
    setTouched(new Set(Object.keys(EMPTY_FORM) as FormField[]));
    const id = original?.id ?? form.id.trim();
    const { body } = buildBody(form, original?.spec ?? null, true);
    if (body === null || idError(id) !== null) return;
    setSaving(true);
    try {
      if (original === null && (await exists(id))) {
        setSaveError(
          new ApiError(409, "EXISTS", "A schedule with this id already exists.", { option: "id" }),
        );
        return;
      }
      await api.schedules.put(id, body);
      notify(original === null ? `Created ${id}` : `Saved ${id}`);
      navigate(href.schedule(id));
    } catch (caught) {
      setSaveError(caught instanceof ApiError ? caught : errorMessage(caught));
    } finally {
      setSaving(false);
    }
  };

  const kindField = { cron: "Cron", every: "Every", at: "At", after: "After schedule" } as const;
  const placeholders = {
    cron: "*/5 * * * *",
    every: "30s",
    at: "2030-01-31T09:00",
    after: "nightly-etl",
  } as const;
  const follows = form.kind === "after";
  return (
    <form class="card form" onSubmit={(event) => void save(event)} noValidate>
      {generalError === null ? null : (
        <p class="alert error" role="alert">
          {generalError}
        </p>
      )}
      <div class="form-grid">
        <Field
          label="Id"
          error={errors.id}
          hint={original === null ? "Letters, digits and _ . : - /" : "The id cannot change."}
        >
          {(control) => (
            <input
              {...control}
              value={form.id}
              readOnly={original !== null}
              autoComplete="off"
              spellcheck={false}
              onInput={(e) => set("id", e.currentTarget.value)}
            />
          )}
        </Field>
        <Field label="Task" error={errors.task}>
          {(control) => (
            <select {...control} value={form.task} onChange={(e) => set("task", e.currentTarget.value)}>
              <option value="">Choose a task…</option>
              {props.tasks.map((task) => (
                <option key={task.name} value={task.name}>
                  {task.name} ({task.kind})
                </option>
              ))}
              {form.task !== "" && !props.tasks.some((task) => task.name === form.task) ? (
                <option value={form.task}>{form.task} (not run by this node)</option>
              ) : null}
            </select>
          )}
        </Field>
        <Field
          label="Kind"
          hint="A cron expression, a fixed interval, once at a date-time, or after another schedule's runs."
        >
          {(control) => (
            <select {...control} value={form.kind} onChange={(e) => set("kind", e.currentTarget.value)}>
              <option value="cron">cron</option>
              <option value="every">every</option>
              <option value="at">at</option>
              <option value="after">after another schedule</option>
            </select>
          )}
        </Field>
        <Field label={kindField[form.kind]} error={errors[form.kind]} hint={KIND_HINTS[form.kind]}>
          {(control) => (
            <input
              {...control}
              key={form.kind}
              class="mono"
              value={form[form.kind]}
              placeholder={placeholders[form.kind]}
              autoComplete="off"
              spellcheck={false}
              onInput={(e) => set(form.kind, e.currentTarget.value)}
            />
          )}
        </Field>
        {follows ? (
          <Field
            label="When its run did not succeed"
            error={errors.onFailure}
            hint="What this schedule's occurrence does then."
          >
            {(control) => (
              <select
                {...control}
                value={form.onFailure}
                onChange={(e) => set("onFailure", e.currentTarget.value)}
              >
                <option value="skip">skip: record as skipped</option>
                <option value="fail">fail: end dead without running</option>
                <option value="continue">continue: run anyway</option>
              </select>
            )}
          </Field>
        ) : (
          <Field
            label="Time zone"
            error={errors.timezone}
            hint={<ZoneHint onUse={() => set("timezone", viewerZone)} />}
          >
            {(control) => (
              <input
                {...control}
                value={form.timezone}
                list="time-zones"
                autoComplete="off"
                spellcheck={false}
                onInput={(e) => set("timezone", e.currentTarget.value)}
              />
            )}
          </Field>
        )}
        <Field label="Overlap" error={errors.overlap} hint="When the previous run is still going.">
          {(control) => (
            <select {...control} value={form.overlap} onChange={(e) => set("overlap", e.currentTarget.value)}>
              <option value="allow">allow: run alongside</option>
              <option value="skip">skip: record as skipped</option>
              <option value="queue">queue: one waits</option>
              <option value="replace">replace: cancel the running one</option>
            </select>
          )}
        </Field>
        {follows ? null : (
          <Field
            label="Catch-up"
            error={errors.catchup}
            hint="Occurrences missed while no node ran or it was paused."
          >
            {(control) => (
              <select
                {...control}
                value={form.catchup}
                onChange={(e) => set("catchup", e.currentTarget.value)}
              >
                <option value="latest">latest: run once</option>
                <option value="skip">skip them</option>
                <option value="all">all: run each (capped)</option>
              </select>
            )}
          </Field>
        )}
        <Field label="Max attempts" error={errors.maxAttempts} hint="Empty: the task's default.">
          {(control) => (
            <input
              {...control}
              type="number"
              min={1}
              step={1}
              inputMode="numeric"
              value={form.maxAttempts}
              onInput={(e) => set("maxAttempts", e.currentTarget.value)}
            />
          )}
        </Field>
        <Field label="Timeout" error={errors.timeout} hint="Such as 30s or 5m. Empty: the task's default.">
          {(control) => (
            <input
              {...control}
              value={form.timeout}
              autoComplete="off"
              spellcheck={false}
              onInput={(e) => set("timeout", e.currentTarget.value)}
            />
          )}
        </Field>
        <Field
          label="Payload (JSON)"
          class="wide"
          error={errors.payload}
          hint="Given to every run. Empty: no payload."
        >
          {(control) => (
            <textarea
              {...control}
              class="mono"
              rows={5}
              spellcheck={false}
              value={form.payload}
              onInput={(e) => set("payload", e.currentTarget.value)}
            />
          )}
        </Field>
      </div>
      <TimeZoneList />
      {follows ? (
        <p class="muted" data-testid="schedule-follows">
          It has no fire times of its own: each occurrence of {form.after.trim() || "the schedule it follows"}{" "}
          brings one of this schedule, which runs once that run has ended.
        </p>
      ) : (
        <Preview state={preview} zone={form.timezone.trim() || "UTC"} hasLocalErrors={built.body === null} />
      )}
      <div class="form-actions">
        <button type="submit" class="button primary" aria-disabled={saving}>
          Save
        </button>
        <a class="button" href={original === null ? href.schedules : href.schedule(original.id)}>
          Cancel
        </a>
      </div>
    </form>
  );
}

const KIND_HINTS: Record<ScheduleKind, string> = {
  cron: "Five fields, or six with seconds; L, W, # and @daily work too.",
  every: "Such as 30s, 5m, 1h30m. Counted from when it is saved.",
  at: "An ISO date-time; without an offset it is read in the time zone below.",
  after: "The id of the schedule whose runs this one follows; it fires with each of them.",
};

async function exists(id: string): Promise<boolean> {
  try {
    await api.schedules.get(id);
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return false;
    throw error;
  }
}
