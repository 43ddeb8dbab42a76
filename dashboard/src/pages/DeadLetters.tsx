import { useState } from "preact/hooks";
import * as api from "../api";
import { useAction } from "../action";
import { ConfirmDialog } from "../components/Dialog";
import { Field } from "../components/Field";
import { LoadMore } from "../components/LoadMore";
import { Empty, LoadError, Loading } from "../components/Status";
import { Time } from "../components/Time";
import { formatCount } from "../format";
import { notify } from "../notices";
import { olderById, PAGE_SIZE, usePagedList } from "../paged-list";
import { useDebounced } from "../poll";
import { href, replaceQuery } from "../router";
import { useCan } from "../session";
import type { Job } from "../types";
import { parseTags } from "./Runs";

interface Filters {
  task: string;
  queue: string;
  tag: string;
}

function filterOf(filters: Filters): api.DeadFilter {
  const tags = parseTags(filters.tag);
  return {
    ...(filters.task.trim() === "" ? {} : { task: filters.task.trim() }),
    ...(filters.queue.trim() === "" ? {} : { queue: filters.queue.trim() }),
    ...(tags.length === 0 ? {} : { tag: tags }),
  };
}

/** The dead-letter queue: jobs that spent their attempts or failed permanently; replay them. */
export function DeadLetters(props: { query: URLSearchParams }) {
  const [filters, setFilters] = useState<Filters>(() => ({
    task: props.query.get("task") ?? "",
    queue: props.query.get("queue") ?? "",
    tag: props.query.get("tag") ?? "",
  }));
  const applied = JSON.parse(useDebounced(JSON.stringify(filters), 300)) as Filters;
  const canOperate = useCan("operator");
  const { busy, run } = useAction();
  const [confirm, setConfirm] = useState<{ matching: number; filter: api.DeadFilter } | null>(null);

  const list = usePagedList(
    (cursor, signal) => api.dead.list({ ...filterOf(applied), cursor, limit: PAGE_SIZE }, signal),
    (job: Job) => job.id,
    [JSON.stringify(applied)],
    olderById,
  );

  const set = (key: keyof Filters, value: string) => {
    const next = { ...filters, [key]: value };
    setFilters(next);
    replaceQuery("/dead", { ...next });
  };

  const askReplayAll = () => {
    const filter = filterOf(filters);
    void run("Counting dead jobs", async () => {
      const { matching } = await api.dead.countMatching(filter);
      setConfirm({ matching, filter });
    });
  };

  const replayAll = () => {
    if (confirm === null) return;
    void run("Replay", async () => {
      const { replayed } = await api.dead.replayMatching(confirm.filter);
      notify(`Replayed ${formatCount(replayed)} dead ${replayed === 1 ? "job" : "jobs"}`);
    }).then(() => {
      setConfirm(null);
      list.reload();
    });
  };

  return (
    <>
      <div class="page-head">
        <h1>Dead letters</h1>
      </div>
      <p class="muted">
        Runs that spent their attempts or failed permanently. A replay runs them again with a fresh attempt
        budget.
      </p>
      <div class="filters" role="search">
        {(["task", "queue", "tag"] as const).map((key) => (
          <Field
            key={key}
            label={key === "task" ? "Task" : key === "queue" ? "Queue" : "Tag"}
            hint={key === "tag" ? "Comma-separated: all of them." : undefined}
          >
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
        ))}
        {canOperate ? (
          <div class="field field-button">
            <button type="button" class="button primary" aria-disabled={busy !== null} onClick={askReplayAll}>
              Replay all matching
            </button>
          </div>
        ) : null}
      </div>
      <LoadError error={list.error} stale={list.items !== null} />
      {list.items === null ? (
        list.error === null ? (
          <Loading />
        ) : null
      ) : list.items.length === 0 ? (
        <Empty>No dead jobs. Nothing to replay.</Empty>
      ) : (
        <DeadTable jobs={list.items} canOperate={canOperate} onReplayed={list.reload} />
      )}
      <LoadMore list={list} />
      {confirm === null ? null : (
        <ConfirmDialog
          title={`Replay ${formatCount(confirm.matching)} dead ${confirm.matching === 1 ? "job" : "jobs"}?`}
          keepLabel="Keep them"
          busy={busy !== null}
          onClose={() => setConfirm(null)}
          onConfirm={replayAll}
        >
          <p>
            {confirm.matching === 0
              ? "No dead job matches these filters right now."
              : "Each runs again with a fresh attempt budget. Jobs that died after this count was taken and match the filters are replayed too."}
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

function DeadTable(props: { jobs: Job[]; canOperate: boolean; onReplayed: () => void }) {
  const { busy, run } = useAction();
  return (
    <div class="table-wrap">
      <table class="list">
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Task</th>
            <th scope="col">Died</th>
            <th scope="col">Attempts</th>
            <th scope="col">Last error</th>
            {props.canOperate ? <th scope="col">Actions</th> : null}
          </tr>
        </thead>
        <tbody>
          {props.jobs.map((job) => (
            <tr key={job.id} data-testid={`dead-row-${job.id}`}>
              <td>
                <a href={href.run(job.id)} class="strong">
                  #{job.id}
                </a>
              </td>
              <td>
                {job.task}
                <div class="muted small">
                  queue {job.queue}
                  {job.scheduleId === null ? null : (
                    <>
                      {" · "}
                      <a href={href.schedule(job.scheduleId)}>{job.scheduleId}</a>
                    </>
                  )}
                </div>
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
                <Time value={job.finishedAt} relative />
              </td>
              <td>{job.attempt}</td>
              <td class="error-cell">
                {job.lastError === null ? (
                  <span class="muted">—</span>
                ) : (
                  <>
                    <code class="small">{job.lastError.code}</code> {job.lastError.message}
                  </>
                )}
              </td>
              {props.canOperate ? (
                <td>
                  <button
                    type="button"
                    class="button small"
                    aria-disabled={busy !== null}
                    onClick={() =>
                      void run("Replay", () => api.jobs.retry(job.id), `Run ${job.id} queued again`).then(
                        (ok) => ok && props.onReplayed(),
                      )
                    }
                  >
                    Replay
                  </button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
