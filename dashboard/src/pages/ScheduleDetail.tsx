import * as api from "../api";
import { Diff } from "../components/Diff";
import { JsonBlock } from "../components/JsonBlock";
import { StateBadge } from "../components/StateBadge";
import { Empty, LoadError, Loading } from "../components/Status";
import { Time } from "../components/Time";
import { describeTiming, formatCount, jobDuration, scheduleZone } from "../format";
import { usePoll } from "../poll";
import { href, navigate } from "../router";
import type { Job, ScheduleChange, ScheduleWithUpcoming } from "../types";
import { managedBy, ScheduleActions } from "./ScheduleActions";

const RECENT_RUNS = 20;

/** One schedule: definition, upcoming fires, recent runs and every change made to it. */
export function ScheduleDetail(props: { id: string }) {
  const { id } = props;
  const polled = usePoll(
    async (signal) => {
      const [schedule, runs, history] = await Promise.all([
        api.schedules.get(id, signal),
        api.jobs.list({ schedule: id, limit: RECENT_RUNS }, signal),
        api.schedules.history(id, signal),
      ]);
      return { schedule, runs: runs.items, history: history.items };
    },
    [id],
  );
  const data = polled.data;
  return (
    <>
      <p class="crumbs">
        <a href={href.schedules}>← Schedules</a>
      </p>
      <LoadError error={polled.error} stale={data !== null} />
      {data === null ? (
        polled.error === null ? (
          <Loading />
        ) : null
      ) : (
        <>
          <div class="page-head">
            <h1>{data.schedule.id}</h1>
            <span class={`badge owner-${data.schedule.owner}`}>{data.schedule.owner}</span>
            {data.schedule.paused ? <span class="badge paused">paused</span> : null}
            <ScheduleActions
              schedule={data.schedule}
              onChanged={polled.reload}
              onDeleted={() => navigate(href.schedules)}
            />
          </div>
          <div class="columns">
            <Definition schedule={data.schedule} />
            <Upcoming schedule={data.schedule} />
          </div>
          <RecentRuns id={id} runs={data.runs} />
          <History history={data.history} />
        </>
      )}
    </>
  );
}

function Definition(props: { schedule: ScheduleWithUpcoming }) {
  const { schedule } = props;
  const zone = scheduleZone(schedule.timing);
  const managed = managedBy(schedule);
  return (
    <section class="card">
      <h2>Definition</h2>
      <dl class="facts">
        <dt>Task</dt>
        <dd>{schedule.task}</dd>
        <dt>When</dt>
        <dd>{describeTiming(schedule.timing)}</dd>
        <dt>Overlap</dt>
        <dd>{schedule.overlap}</dd>
        <dt>Catch-up</dt>
        <dd>{schedule.catchup}</dd>
        <dt>Last occurrence enqueued</dt>
        <dd>
          <Time value={schedule.lastFireAt} zone={zone} relative />
        </dd>
        <dt>Skipped so far</dt>
        <dd>{formatCount(schedule.skippedCount)}</dd>
        <dt>Owner</dt>
        <dd>{managed ?? "api (edit and delete here)"}</dd>
        <dt>Created</dt>
        <dd>
          <Time value={schedule.createdAt} />
        </dd>
        <dt>Updated</dt>
        <dd>
          <Time value={schedule.updatedAt} relative />
        </dd>
      </dl>
      <details class="disclosure">
        <summary>Definition as written (JSON)</summary>
        <JsonBlock value={schedule.spec} label="Schedule definition" />
      </details>
    </section>
  );
}

function Upcoming(props: { schedule: ScheduleWithUpcoming }) {
  const { schedule } = props;
  const zone = scheduleZone(schedule.timing);
  return (
    <section class="card">
      <h2>Upcoming fires</h2>
      {schedule.paused ? (
        <Empty>Paused: nothing fires until it is resumed.</Empty>
      ) : schedule.upcoming.length === 0 ? (
        <Empty>It will not fire again.</Empty>
      ) : (
        <ol class="plain-list">
          {schedule.upcoming.map((time) => (
            <li key={time}>
              <Time value={time} zone={zone} relative />
            </li>
          ))}
        </ol>
      )}
      <p class="muted small">Times in your zone; hover for the schedule's zone ({zone}).</p>
    </section>
  );
}

function RecentRuns(props: { id: string; runs: Job[] }) {
  return (
    <section class="card">
      <div class="card-head">
        <h2>Recent runs</h2>
        <a href={href.runs({ schedule: props.id })}>All runs of this schedule</a>
      </div>
      {props.runs.length === 0 ? (
        <Empty>No runs yet.</Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">State</th>
                <th scope="col">Fire time</th>
                <th scope="col">Duration</th>
              </tr>
            </thead>
            <tbody>
              {props.runs.map((job) => (
                <tr key={job.id}>
                  <td>
                    <a href={href.run(job.id)}>#{job.id}</a>
                  </td>
                  <td>
                    <StateBadge state={job.state} />
                  </td>
                  <td>
                    <Time value={job.fireAt ?? job.createdAt} relative />
                  </td>
                  <td>{jobDuration(job.startedAt, job.finishedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function History(props: { history: ScheduleChange[] }) {
  const changes = [...props.history].reverse();
  return (
    <section class="card">
      <h2>Change history</h2>
      {changes.length === 0 ? (
        <Empty>No changes recorded.</Empty>
      ) : (
        <ol class="history">
          {changes.map((change, i) => (
            <li key={`${change.at}-${i}`} class="history-entry">
              <div>
                <span class="strong">{change.action}</span> by <span>{change.actor}</span>{" "}
                <span class="muted small">
                  <Time value={change.at} relative />
                </span>
              </div>
              <Diff before={change.before} after={change.after} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
