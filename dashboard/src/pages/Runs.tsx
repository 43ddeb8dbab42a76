import { useState } from "preact/hooks";
import * as api from "../api";
import { Field } from "../components/Field";
import { LoadMore } from "../components/LoadMore";
import { StateBadge } from "../components/StateBadge";
import { Empty, LoadError, Loading } from "../components/Status";
import { Time } from "../components/Time";
import { jobDuration } from "../format";
import { olderById, PAGE_SIZE, usePagedList } from "../paged-list";
import { useDebounced } from "../poll";
import { href, replaceQuery } from "../router";
import { JOB_STATES, type Job } from "../types";

const FILTERS = ["state", "task", "schedule", "tag", "from", "to"] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

/** Comma-separated tags: a job must carry all of them. */
export function parseTags(text: string): string[] {
  return text
    .split(",")
    .map((tag) => tag.trim())
    .filter((tag) => tag !== "");
}

/** A `datetime-local` value (the viewer's zone) as an ISO instant, or undefined. */
function instant(value: string): string | undefined {
  if (value === "") return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Every run, newest first, filtered by state, task, schedule, tags and creation time. */
export function Runs(props: { query: URLSearchParams }) {
  const [filters, setFilters] = useState<Filters>(() => {
    const initial = {} as Filters;
    for (const key of FILTERS) initial[key] = props.query.get(key) ?? "";
    return initial;
  });
  const applied = JSON.parse(useDebounced(JSON.stringify(filters), 300)) as Filters;

  const list = usePagedList(
    (cursor, signal) =>
      api.jobs.list(
        {
          state: applied.state,
          task: applied.task.trim(),
          schedule: applied.schedule.trim(),
          tag: parseTags(applied.tag),
          from: instant(applied.from),
          to: instant(applied.to),
          cursor,
          limit: PAGE_SIZE,
        },
        signal,
      ),
    (job: Job) => job.id,
    [JSON.stringify(applied)],
    olderById,
  );

  const set = (key: keyof Filters, value: string) => {
    const next = { ...filters, [key]: value };
    setFilters(next);
    replaceQuery("/runs", next);
  };
  const text = (key: "task" | "schedule" | "tag", label: string, hint?: string) => (
    <Field label={label} hint={hint}>
      {(control) => (
        <input
          {...control}
          type="search"
          value={filters[key]}
          autoComplete="off"
          onInput={(event) => set(key, event.currentTarget.value)}
        />
      )}
    </Field>
  );

  return (
    <>
      <h1>Runs</h1>
      <div class="filters" role="search">
        <Field label="State">
          {(control) => (
            <select
              {...control}
              value={filters.state}
              onChange={(event) => set("state", event.currentTarget.value)}
            >
              <option value="">any</option>
              {JOB_STATES.map((state) => (
                <option key={state} value={state}>
                  {state}
                </option>
              ))}
            </select>
          )}
        </Field>
        {text("task", "Task")}
        {text("schedule", "Schedule")}
        {text("tag", "Tag", "Comma-separated: all of them.")}
        <Field label="From" hint="Created at or after.">
          {(control) => (
            <input
              {...control}
              type="datetime-local"
              step={1}
              value={filters.from}
              onInput={(event) => set("from", event.currentTarget.value)}
            />
          )}
        </Field>
        <Field label="To" hint="Created before.">
          {(control) => (
            <input
              {...control}
              type="datetime-local"
              step={1}
              value={filters.to}
              onInput={(event) => set("to", event.currentTarget.value)}
            />
          )}
        </Field>
      </div>
      <LoadError error={list.error} stale={list.items !== null} />
      {list.items === null ? (
        list.error === null ? (
          <Loading />
        ) : null
      ) : list.items.length === 0 ? (
        <Empty>No run matches.</Empty>
      ) : (
        <JobTable jobs={list.items} />
      )}
      <LoadMore list={list} />
    </>
  );
}

function JobTable(props: { jobs: Job[] }) {
  return (
    <div class="table-wrap">
      <table class="list">
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Task</th>
            <th scope="col">State</th>
            <th scope="col">Schedule</th>
            <th scope="col">Created</th>
            <th scope="col">Duration</th>
          </tr>
        </thead>
        <tbody>
          {props.jobs.map((job) => (
            <tr key={job.id} data-testid={`job-row-${job.id}`}>
              <td>
                <a href={href.run(job.id)} class="strong">
                  #{job.id}
                </a>
              </td>
              <td>
                {job.task}
                {job.tags.length === 0 ? null : (
                  <div class="tags">
                    {job.tags.map((tag) => (
                      <span key={tag} class="tag">
                        {tag}
                      </span>
                    ))}
                  </div>
                )}
              </td>
              <td>
                <StateBadge state={job.state} />
                {job.attempt > 1 ? <span class="muted small"> attempt {job.attempt}</span> : null}
              </td>
              <td>
                {job.scheduleId === null ? (
                  <span class="muted">—</span>
                ) : (
                  <a href={href.schedule(job.scheduleId)}>{job.scheduleId}</a>
                )}
              </td>
              <td>
                <Time value={job.createdAt} relative />
              </td>
              <td>{jobDuration(job.startedAt, job.finishedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
