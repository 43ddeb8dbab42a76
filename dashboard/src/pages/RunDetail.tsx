import * as api from "../api";
import { useAction } from "../action";
import { JsonBlock } from "../components/JsonBlock";
import { RunDependencies } from "../components/RunDependencies";
import { StateBadge } from "../components/StateBadge";
import { Empty, LoadError, Loading } from "../components/Status";
import { Time } from "../components/Time";
import { formatDuration, jobDuration } from "../format";
import { usePoll } from "../poll";
import { href } from "../router";
import { useCan } from "../session";
import type { Job, JobAttempt, JobLog, JobStep } from "../types";

/** One run: its state, payload and result, completed steps, attempts with errors, and logs. */
export function RunDetail(props: { id: string }) {
  const { id } = props;
  const polled = usePoll(
    async (signal) => {
      const [job, steps, attempts, logs, edges] = await Promise.all([
        api.jobs.get(id, signal),
        api.jobs.steps(id, signal),
        api.jobs.attempts(id, signal),
        api.jobs.logs(id, signal),
        api.jobs.dependencies(id, signal),
      ]);
      return { job, steps: steps.items, attempts: attempts.items, logs: logs.items, edges };
    },
    [id],
  );
  const data = polled.data;
  return (
    <>
      <p class="crumbs">
        <a href={href.runs()}>← Runs</a>
      </p>
      <LoadError error={polled.error} stale={data !== null} />
      {data === null ? (
        polled.error === null ? (
          <Loading />
        ) : null
      ) : (
        <>
          <div class="page-head">
            <h1>Run #{data.job.id}</h1>
            <StateBadge state={data.job.state} testId="job-state" />
            {data.job.cancelRequested && data.job.state === "running" ? (
              <span class="muted small">cancel requested</span>
            ) : null}
            <RunActions job={data.job} onChanged={polled.reload} />
          </div>
          <Facts job={data.job} />
          <div class="columns">
            <section class="card">
              <h2>Payload</h2>
              <JsonBlock value={data.job.payload} label="Payload" />
            </section>
            <section class="card">
              <h2>Result</h2>
              {data.job.state === "succeeded" ? (
                <JsonBlock value={data.job.result} label="Result" />
              ) : (
                <Empty>{noResult(data.job.state)}</Empty>
              )}
            </section>
          </div>
          <RunDependencies edges={data.edges} />
          {data.steps.length === 0 ? null : <Steps steps={data.steps} />}
          <Attempts attempts={data.attempts} />
          <Logs logs={data.logs} />
        </>
      )}
    </>
  );
}

function noResult(state: string): string {
  switch (state) {
    case "dead":
      return "It died: see the attempts below.";
    case "waiting":
      return "It waits for its dependencies to finish (see Dependencies).";
    case "compensating":
      return "The saga failed: its completed steps are being undone, newest first (see Steps).";
    case "compensated":
      return "The saga failed and every completed step was undone (see Steps).";
    case "compensation_failed":
      return "The saga failed and a compensation could not succeed: it is partly undone and needs a person (see Steps and Attempts).";
    default:
      return "No result yet.";
  }
}

function RunActions(props: { job: Job; onChanged: () => void }) {
  const { job } = props;
  const canOperate = useCan("operator");
  const { busy, run } = useAction();
  if (!canOperate) return null;
  const canRetry = job.state === "dead" || job.state === "cancelled";
  const canCancel = job.state === "waiting" || job.state === "queued" || job.state === "running";
  return (
    <div class="actions">
      {canRetry ? (
        <button
          type="button"
          class="button"
          aria-disabled={busy !== null}
          onClick={() =>
            void run("Retry", () => api.jobs.retry(job.id), `Run ${job.id} queued again`).then(
              (ok) => ok && props.onChanged(),
            )
          }
        >
          Retry
        </button>
      ) : null}
      {canCancel ? (
        <button
          type="button"
          class="button danger"
          aria-disabled={busy !== null}
          onClick={() =>
            void run("Cancel", () => api.jobs.cancel(job.id), `Cancel of run ${job.id} requested`).then(
              (ok) => ok && props.onChanged(),
            )
          }
        >
          Cancel
        </button>
      ) : null}
    </div>
  );
}

function Facts(props: { job: Job }) {
  const { job } = props;
  return (
    <section class="card">
      <dl class="facts facts-wide">
        <dt>Task</dt>
        <dd>{job.task}</dd>
        <dt>Queue</dt>
        <dd>{job.queue}</dd>
        <dt>Schedule</dt>
        <dd>
          {job.scheduleId === null ? (
            <span class="muted">none</span>
          ) : (
            <a href={href.schedule(job.scheduleId)}>{job.scheduleId}</a>
          )}
        </dd>
        <dt>Attempt</dt>
        <dd>
          {job.attempt}
          {job.maxAttempts === null ? "" : ` of ${job.maxAttempts}`}
        </dd>
        <dt>Fire time</dt>
        <dd>
          <Time value={job.fireAt} />
        </dd>
        <dt>Created</dt>
        <dd>
          <Time value={job.createdAt} relative />
        </dd>
        <dt>Run at</dt>
        <dd>
          <Time value={job.runAt} relative />
        </dd>
        <dt>Started</dt>
        <dd>
          <Time value={job.startedAt} />
        </dd>
        <dt>Finished</dt>
        <dd>
          <Time value={job.finishedAt} />
        </dd>
        <dt>Duration</dt>
        <dd>{jobDuration(job.startedAt, job.finishedAt)}</dd>
        <dt>Timeout</dt>
        <dd>{job.timeoutMs === null ? "task default" : formatDuration(job.timeoutMs)}</dd>
        <dt>Priority</dt>
        <dd>{job.priority}</dd>
        <dt>Tags</dt>
        <dd>
          {job.tags.length === 0 ? (
            <span class="muted">none</span>
          ) : (
            job.tags.map((tag) => (
              <span key={tag} class="tag">
                {tag}
              </span>
            ))
          )}
        </dd>
        <dt>Idempotency key</dt>
        <dd>{job.idempotencyKey ?? <span class="muted">none</span>}</dd>
        {job.concurrencyKey === null ? null : (
          <>
            <dt>Concurrency key</dt>
            <dd>{job.concurrencyKey}</dd>
          </>
        )}
        {job.rateLimitKey === null ? null : (
          <>
            <dt>Rate-limit key</dt>
            <dd>{job.rateLimitKey}</dd>
          </>
        )}
        {job.traceId === null ? null : (
          <>
            <dt>Trace id</dt>
            <dd>
              <code>{job.traceId}</code>
            </dd>
          </>
        )}
        {job.circuitKey === null ? null : (
          <>
            <dt>Circuit key</dt>
            <dd>{job.circuitKey}</dd>
          </>
        )}
        {job.leaseOwner === null ? null : (
          <>
            <dt>Worker</dt>
            <dd>
              {job.leaseOwner} <span class="muted small">lease until </span>
              <Time value={job.leaseExpiresAt} />
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}

/** The durable steps the run completed (`ctx.step`), in order; a retry returns their results. */
function Steps(props: { steps: JobStep[] }) {
  return (
    <section class="card" data-testid="run-steps">
      <h2>Steps</h2>
      <div class="table-wrap">
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Completed by</th>
              <th scope="col">At</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {props.steps.map((step) => (
              <tr key={step.name} data-testid={`step-row-${step.name}`}>
                <td>
                  <code>{step.name}</code>
                  {step.name.startsWith("compensate:") ? (
                    <span class="badge outcome-compensated">undo</span>
                  ) : null}
                </td>
                <td>attempt {step.fence}</td>
                <td>
                  <Time value={step.completedAt} relative />
                </td>
                <td>
                  <code class="small">{JSON.stringify(step.result)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Attempts(props: { attempts: JobAttempt[] }) {
  return (
    <section class="card">
      <h2>Attempts</h2>
      {props.attempts.length === 0 ? (
        <Empty>Not started yet.</Empty>
      ) : (
        <ol class="timeline">
          {props.attempts.map((attempt, i) => (
            <li key={i} class={`timeline-item outcome-${attempt.outcome}`}>
              <div class="timeline-head">
                <span class="strong">
                  {attempt.compensation ? "Compensation attempt" : "Attempt"} {attempt.attempt}
                </span>{" "}
                <span class={`badge outcome-${attempt.outcome}`}>{attempt.outcome}</span>{" "}
                <span class="muted small">
                  {attempt.worker === null ? "" : `on ${attempt.worker} · `}
                  {attempt.startedAt === null
                    ? ""
                    : `${jobDuration(attempt.startedAt, attempt.finishedAt)} · `}
                </span>
                <Time value={attempt.finishedAt ?? attempt.startedAt} relative />
              </div>
              {attempt.error === null ? null : (
                <div class="attempt-error">
                  <p>
                    <code>{attempt.error.code}</code> <span class="strong">{attempt.error.name}</span>:{" "}
                    {attempt.error.message}
                  </p>
                  {attempt.error.stack === undefined || attempt.error.stack === "" ? null : (
                    <details class="disclosure">
                      <summary>Stack trace</summary>
                      <pre class="code">{attempt.error.stack}</pre>
                    </details>
                  )}
                </div>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function logText(log: JobLog): string | null {
  const data = log.data as { text?: unknown } | null;
  return (log.message === "stdout" || log.message === "stderr") && typeof data?.text === "string"
    ? data.text
    : null;
}

function Logs(props: { logs: JobLog[] }) {
  return (
    <section class="card">
      <h2>Logs</h2>
      {props.logs.length === 0 ? (
        <Empty>No log lines.</Empty>
      ) : (
        <ol class="logs">
          {props.logs.map((log, i) => {
            const output = logText(log);
            return (
              <li key={i} class={`log level-${log.level}`}>
                <div class="log-head small">
                  <Time value={log.at} /> <span class="badge">{log.level}</span>{" "}
                  <span class="muted">attempt {log.attempt}</span>{" "}
                  {output === null ? <span>{log.message}</span> : <span class="strong">{log.message}</span>}
                </div>
                {output !== null ? (
                  <pre class={`code output ${log.message}`}>{output}</pre>
                ) : log.data === null || log.data === undefined ? null : (
                  <pre class="code small">{JSON.stringify(log.data, null, 2)}</pre>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
