import type { ScheduleTiming } from "../domain/schedule.js";
import type { ScheduleChangeDoc, ScheduleDoc } from "./api-types.js";
import { block, localTime, oneLine, type Output } from "./output.js";

/** `0 2 * * * Europe/Paris`, `every 30s`, `at 2025-06-01 14:00:00`, `after etl`. */
export function describeTiming(timing: ScheduleTiming): string {
  switch (timing.kind) {
    case "cron":
      return timing.timezone === "UTC" ? timing.expression : `${timing.expression} ${timing.timezone}`;
    case "every":
      return `every ${formatMs(timing.intervalMs)}`;
    case "at":
      return `at ${localTime(new Date(timing.atMs))}`;
    case "after":
      return timing.onFailure === "skip"
        ? `after ${timing.schedule}`
        : `after ${timing.schedule} (onFailure ${timing.onFailure})`;
  }
}

/** 90000 → `1m30s`, the duration syntax the API accepts. */
export function formatMs(ms: number): string {
  const units: [string, number][] = [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
    ["ms", 1],
  ];
  let rest = ms;
  let text = "";
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) text += `${n}${unit}`;
    rest -= n * size;
  }
  return text === "" ? "0s" : text;
}

export function printScheduleTable(out: Output, schedules: ScheduleDoc[]): void {
  if (schedules.length === 0) {
    out.line("no schedules");
    return;
  }
  out.table(
    [
      { header: "ID", max: 40, flex: true },
      { header: "TASK", max: 32, flex: true },
      { header: "TIMING", max: 40, flex: true },
      { header: "STATUS" },
      { header: "NEXT FIRE" },
      { header: "LAST FIRE" },
      { header: "OWNER" },
    ],
    schedules.map((s) => [
      s.id,
      s.task,
      describeTiming(s.timing),
      out.stateCell(s.paused ? "paused" : "active"),
      s.paused || s.nextFireAt === null ? "-" : out.when(s.nextFireAt),
      out.age(s.lastFireAt),
      s.owner,
    ]),
  );
}

/** A schedule in full: status, definition, next fire times and its history of changes. */
export function printSchedule(out: Output, schedule: ScheduleDoc, history: ScheduleChangeDoc[]): void {
  out.fields([
    ["schedule", `${oneLine(schedule.id)}  ${out.state(schedule.paused ? "paused" : "active")}`],
    ["task", oneLine(schedule.task)],
    ["timing", oneLine(describeTiming(schedule.timing))],
    ["owner", schedule.owner],
    ["overlap", schedule.overlap],
    ["catch-up", schedule.catchup],
    ["next fire", schedule.paused ? "- (paused)" : out.when(schedule.nextFireAt)],
    ["last fire", out.when(schedule.lastFireAt)],
    ["skipped", String(schedule.skippedCount)],
    ["created", out.when(schedule.createdAt)],
    ["updated", out.when(schedule.updatedAt)],
  ]);

  out.heading("Definition");
  for (const line of block(JSON.stringify(schedule.spec, null, 2)).split("\n")) out.line(`  ${line}`);

  const upcoming = schedule.upcoming ?? [];
  out.heading("Next fire times");
  if (upcoming.length === 0) out.line(schedule.paused ? "  none while paused" : "  none");
  for (const at of upcoming) out.line(`  ${out.when(at)}`);

  out.heading(`History (${history.length})`);
  if (history.length === 0) out.line("  none");
  for (const change of history) {
    out.line(
      `  ${out.when(change.at)}  ${out.paint(change.action.padEnd(9), "bold")}  by ${oneLine(change.actor)}`,
    );
  }
}
