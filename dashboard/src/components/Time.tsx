import { formatTime, relativeTime, viewerZone } from "../format";

/**
 * A moment in the viewer's time zone, with its age ("3 min ago") when `relative`. The title
 * repeats it with the zone's name and, for a schedule's fire times, in the schedule's own zone.
 */
export function Time(props: { value: string | null | undefined; zone?: string; relative?: boolean }) {
  const { value, zone } = props;
  if (value === null || value === undefined) return <span class="muted">—</span>;
  const title = [formatTime(value, viewerZone)];
  if (zone !== undefined && zone !== viewerZone) title.push(formatTime(value, zone));
  return (
    <time dateTime={value} title={title.join("\n")}>
      {formatTime(value)}
      {props.relative === true ? <span class="muted small"> · {relativeTime(value)}</span> : null}
    </time>
  );
}

/** Only the age ("3 min ago"), with the full time on hover. */
export function Age(props: { value: string | null | undefined }) {
  const { value } = props;
  if (value === null || value === undefined) return <span class="muted">—</span>;
  return (
    <time dateTime={value} title={formatTime(value, viewerZone)}>
      {relativeTime(value)}
    </time>
  );
}
