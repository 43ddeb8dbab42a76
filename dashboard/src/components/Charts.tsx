import { formatClock, formatCount, formatPercent } from "../format";
import type { ThroughputBucket } from "../types";

// Hand-made SVG charts: one bar per time bucket, stretched to the width of their box. Each bar
// has a <title> (its figures on hover); the chart as a whole has a text summary for screen readers.

const BAR = 10;
const HEIGHT = 100;

interface ChartProps {
  buckets: ThroughputBucket[];
  withDay: boolean;
}

function total(bucket: ThroughputBucket): number {
  return bucket.succeeded + bucket.dead + bucket.cancelled;
}

function bucketTitle(bucket: ThroughputBucket, withDay: boolean): string {
  return `${formatClock(bucket.at, withDay)}: ${bucket.succeeded} succeeded, ${bucket.dead} dead, ${bucket.cancelled} cancelled`;
}

function Axis(props: { buckets: ThroughputBucket[]; withDay: boolean; top: string }) {
  const first = props.buckets[0];
  return (
    <div class="chart-axis muted small" aria-hidden="true">
      <span>{first === undefined ? "" : formatClock(first.at, props.withDay)}</span>
      <span>max {props.top}</span>
      <span>now</span>
    </div>
  );
}

/** Finished runs per bucket, stacked: succeeded (green), dead (red), cancelled (grey). */
export function ThroughputChart(props: ChartProps) {
  const { buckets, withDay } = props;
  const max = Math.max(1, ...buckets.map(total));
  const sums = buckets.reduce(
    (acc, b) => ({
      succeeded: acc.succeeded + b.succeeded,
      dead: acc.dead + b.dead,
      cancelled: acc.cancelled + b.cancelled,
    }),
    { succeeded: 0, dead: 0, cancelled: 0 },
  );
  const summary = `Runs finished: ${formatCount(sums.succeeded)} succeeded, ${formatCount(sums.dead)} dead, ${formatCount(sums.cancelled)} cancelled`;
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${buckets.length * BAR} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={summary}
      >
        <line class="chart-grid" x1="0" x2={buckets.length * BAR} y1={HEIGHT / 2} y2={HEIGHT / 2} />
        {buckets.map((bucket, i) => {
          let y = HEIGHT;
          const parts = (["succeeded", "dead", "cancelled"] as const).map((kind) => {
            const h = (bucket[kind] / max) * HEIGHT;
            y -= h;
            return h > 0 ? (
              <rect key={kind} class={`bar-${kind}`} x={i * BAR + 1} y={y} width={BAR - 2} height={h} />
            ) : null;
          });
          return (
            <g key={bucket.at}>
              <title>{bucketTitle(bucket, withDay)}</title>
              <rect class="bar-hit" x={i * BAR} y="0" width={BAR} height={HEIGHT} />
              {parts}
            </g>
          );
        })}
        <line class="chart-base" x1="0" x2={buckets.length * BAR} y1={HEIGHT} y2={HEIGHT} />
      </svg>
      <Axis buckets={buckets} withDay={withDay} top={formatCount(max)} />
      <figcaption class="legend small">
        <span class="key key-succeeded">succeeded {formatCount(sums.succeeded)}</span>
        <span class="key key-dead">dead {formatCount(sums.dead)}</span>
        <span class="key key-cancelled">cancelled {formatCount(sums.cancelled)}</span>
      </figcaption>
    </figure>
  );
}

/** Dead runs as a share of runs that ended on their own (succeeded + dead), per bucket. */
export function FailureRateChart(props: ChartProps) {
  const { buckets, withDay } = props;
  const ended = buckets.reduce((n, b) => n + b.succeeded + b.dead, 0);
  const dead = buckets.reduce((n, b) => n + b.dead, 0);
  const overall = ended === 0 ? null : dead / ended;
  const summary =
    overall === null
      ? "Failure rate: no runs finished in this window"
      : `Failure rate over the window: ${formatPercent(overall)}`;
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${buckets.length * BAR} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={summary}
      >
        <line class="chart-grid" x1="0" x2={buckets.length * BAR} y1={HEIGHT / 2} y2={HEIGHT / 2} />
        {buckets.map((bucket, i) => {
          const n = bucket.succeeded + bucket.dead;
          const rate = n === 0 ? null : bucket.dead / n;
          const h = rate === null ? 0 : Math.max(rate * HEIGHT, rate > 0 ? 2 : 0);
          return (
            <g key={bucket.at}>
              <title>
                {`${formatClock(bucket.at, withDay)}: ${rate === null ? "no runs" : `${formatPercent(rate)} failed (${bucket.dead} of ${n})`}`}
              </title>
              <rect class="bar-hit" x={i * BAR} y="0" width={BAR} height={HEIGHT} />
              {rate === null ? null : (
                <rect class="bar-dead" x={i * BAR + 1} y={HEIGHT - h} width={BAR - 2} height={h} />
              )}
              {rate === 0 ? (
                <rect class="bar-zero" x={i * BAR + 1} y={HEIGHT - 1.5} width={BAR - 2} height={1.5} />
              ) : null}
            </g>
          );
        })}
        <line class="chart-base" x1="0" x2={buckets.length * BAR} y1={HEIGHT} y2={HEIGHT} />
      </svg>
      <Axis buckets={buckets} withDay={withDay} top="100%" />
      <figcaption class="legend small">
        <span>
          {overall === null
            ? "no runs finished"
            : `${formatPercent(overall)} of ${formatCount(ended)} runs died`}
        </span>
      </figcaption>
    </figure>
  );
}
