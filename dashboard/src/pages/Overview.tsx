import { useState } from "preact/hooks";
import * as api from "../api";
import { FailureRateChart, ThroughputChart } from "../components/Charts";
import { Empty, LoadError, Loading } from "../components/Status";
import { Age, Time } from "../components/Time";
import { describeTiming, formatCount, formatDuration, scheduleZone } from "../format";
import { usePoll } from "../poll";
import { href } from "../router";
import type { Overview as OverviewData } from "../types";

/** A node not seen for this long is probably gone. */
const NODE_STALE_MS = 30_000;

/** The cluster at a glance: nodes, lease, queue, throughput, failures, lateness, next fires. */
export function Overview() {
  const polled = usePoll((signal) => api.overview(signal), []);
  const [span, setSpan] = useState<"hour" | "day">("hour");
  const data = polled.data;
  return (
    <>
      <h1>Overview</h1>
      <LoadError error={polled.error} stale={data !== null} />
      {data === null ? (
        polled.error === null ? (
          <Loading />
        ) : null
      ) : (
        <>
          <div class="stats">
            <QueueCard queue={data.queue} />
            <LatenessCard lateness={data.fireLatenessLastHour} />
            <LeaseCard data={data} />
          </div>
          <section class="card">
            <div class="card-head">
              <h2>Throughput and failures</h2>
              <div class="toggle" role="group" aria-label="Chart window">
                <button
                  type="button"
                  class="button small"
                  aria-pressed={span === "hour"}
                  onClick={() => setSpan("hour")}
                >
                  Last hour
                </button>
                <button
                  type="button"
                  class="button small"
                  aria-pressed={span === "day"}
                  onClick={() => setSpan("day")}
                >
                  Last day
                </button>
              </div>
            </div>
            <div class="charts">
              <div>
                <h3>Runs finished per {span === "hour" ? "minute" : "30 minutes"}</h3>
                <ThroughputChart
                  buckets={span === "hour" ? data.throughput.lastHour : data.throughput.lastDay}
                  withDay={span === "day"}
                />
              </div>
              <div>
                <h3>Failure rate</h3>
                <FailureRateChart
                  buckets={span === "hour" ? data.throughput.lastHour : data.throughput.lastDay}
                  withDay={span === "day"}
                />
              </div>
            </div>
          </section>
          <div class="columns">
            <NodesCard data={data} />
            <NextFiresCard data={data} />
          </div>
        </>
      )}
    </>
  );
}

function Stat(props: { label: string; value: string; note?: string | undefined; text?: boolean }) {
  return (
    <div class="stat">
      <dt>{props.label}</dt>
      <dd>
        <span class={props.text === true ? "stat-value text" : "stat-value"}>{props.value}</span>
        {props.note === undefined ? null : <span class="muted small"> {props.note}</span>}
      </dd>
    </div>
  );
}

function QueueCard(props: { queue: OverviewData["queue"] }) {
  const { queue } = props;
  const count = (n: number) => `${queue.capped ? "≥ " : ""}${formatCount(n)}`;
  return (
    <section class="card">
      <h2>Queue</h2>
      <dl class="stat-list">
        <Stat label="Waiting (due)" value={count(queue.ready)} />
        <Stat label="Scheduled for later" value={count(queue.scheduled)} />
        <Stat label="Running" value={count(queue.running)} />
        <Stat
          label="Oldest waiting job"
          value={queue.oldestReadyAgeMs === null ? "none" : formatDuration(queue.oldestReadyAgeMs)}
          note={queue.oldestReadyAgeMs === null ? undefined : "behind"}
        />
      </dl>
    </section>
  );
}

function LatenessCard(props: { lateness: OverviewData["fireLatenessLastHour"] }) {
  const { lateness } = props;
  const ms = (value: number | null) => (value === null ? "—" : formatDuration(value));
  return (
    <section class="card">
      <h2>Fire lateness, last hour</h2>
      <dl class="stat-list">
        <Stat label="p50" value={ms(lateness.p50Ms)} />
        <Stat label="p99" value={ms(lateness.p99Ms)} />
        <Stat label="max" value={ms(lateness.maxMs)} />
        <Stat label="Occurrences" value={formatCount(lateness.samples)} />
      </dl>
    </section>
  );
}

function LeaseCard(props: { data: OverviewData }) {
  const lease = props.data.maintenanceLeaseHolder;
  return (
    <section class="card">
      <h2>Maintenance lease</h2>
      {lease === null ? (
        <p class="muted">No node holds it right now.</p>
      ) : (
        <dl class="stat-list">
          <Stat label="Holder" value={lease.holder} text />
          <Stat label="Fence" value={formatCount(lease.fence)} />
          <div class="stat">
            <dt>Expires</dt>
            <dd>
              <Age value={lease.expiresAt} />
            </dd>
          </div>
        </dl>
      )}
    </section>
  );
}

function NodesCard(props: { data: OverviewData }) {
  const { nodes, now } = props.data;
  return (
    <section class="card">
      <h2>Nodes ({nodes.length})</h2>
      {nodes.length === 0 ? (
        <Empty>No node has reported in.</Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Host</th>
                <th scope="col">Version</th>
                <th scope="col">Last seen</th>
                <th scope="col">Clock skew</th>
                <th scope="col">Started</th>
              </tr>
            </thead>
            <tbody>
              {nodes.map((node) => {
                const stale = new Date(now).getTime() - new Date(node.lastSeenAt).getTime() > NODE_STALE_MS;
                return (
                  <tr key={node.id} class={stale ? "stale" : undefined}>
                    <td>
                      <span title={node.id}>{node.host}</span>
                      <span class="muted small"> pid {node.pid}</span>
                      {stale ? <span class="badge state-dead">not seen</span> : null}
                    </td>
                    <td>{node.version}</td>
                    <td>
                      <Age value={node.lastSeenAt} />
                    </td>
                    <td class={Math.abs(node.clockSkewMs) > 1000 ? "warn" : undefined}>
                      {node.clockSkewMs > 0 ? "+" : ""}
                      {formatDuration(node.clockSkewMs)}
                    </td>
                    <td>
                      <Age value={node.startedAt} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function NextFiresCard(props: { data: OverviewData }) {
  const { nextFires } = props.data;
  return (
    <section class="card">
      <h2>Next fires</h2>
      {nextFires.length === 0 ? (
        <Empty>No schedule is due to fire.</Empty>
      ) : (
        <ul class="plain-list">
          {nextFires.map((fire) => (
            <li key={`${fire.scheduleId}-${fire.at}`} class="next-fire">
              <a href={href.schedule(fire.scheduleId)}>{fire.scheduleId}</a>
              <span class="muted small">
                {" "}
                {fire.task} · {describeTiming(fire.timing)}
              </span>
              <div>
                <Time value={fire.at} zone={scheduleZone(fire.timing)} relative />
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
