import type { TaskFlowError } from "../domain/errors.js";
import type { ExclusionCalendar } from "../domain/schedule.js";
import { resolveCalendar } from "../scheduler/calendar.js";
import { resolveSchedule, type ScheduleSpec } from "../scheduler/schedule-spec.js";
import type { RawConfig } from "./config-schema.js";
import type { ConfigPath } from "./config-problems.js";
import { optionPath, type ProblemCollector } from "./problem-collector.js";
import { TASK_NAME } from "./resolve-tasks.js";
import { closest } from "./schema-problems.js";
import type { ScheduleConfig } from "./service-config.js";

/** Each entry checked on its own, so a problem points at the date that is wrong. */
export function resolveCalendars(raw: RawConfig, problems: ProblemCollector): ExclusionCalendar[] {
  const calendars: ExclusionCalendar[] = [];
  for (const [name, entries] of Object.entries(raw.calendars ?? {})) {
    const path = ["calendars", name];
    let valid = problems.check(path, () => resolveCalendar(name, [])) !== undefined;
    if (!valid) continue;
    entries.forEach((entry, index) => {
      if (problems.check([...path, index], () => resolveCalendar(name, [entry])) === undefined) valid = false;
    });
    if (valid) calendars.push(resolveCalendar(name, entries));
  }
  return calendars;
}

export function resolveExternalTasks(raw: RawConfig, problems: ProblemCollector): string[] {
  const declared = new Set(Object.keys(raw.tasks ?? {}));
  const external = raw.externalTasks ?? [];
  external.forEach((name, index) => {
    if (!TASK_NAME.test(name)) {
      problems.add(
        ["externalTasks", index],
        "a task name must be 1-200 characters of letters, digits and _ . : - /",
      );
    } else if (declared.has(name)) {
      problems.add(
        ["externalTasks", index],
        `task ${JSON.stringify(name)} is declared in tasks: too; list it once`,
      );
    }
  });
  return [...new Set(external)];
}

/**
 * Schedules, checked with the engine's own `resolveSchedule` (the API uses it too, so the file
 * and the API accept the same specs), plus what only the file can know: unique ids, declared
 * tasks and calendars.
 */
export function resolveSchedules(
  raw: RawConfig,
  tasks: ReadonlySet<string>,
  calendars: ReadonlySet<string>,
  now: number,
  problems: ProblemCollector,
): ScheduleConfig[] {
  const schedules: ScheduleConfig[] = [];
  const firstIndex = new Map<string, number>();
  (raw.schedules ?? []).forEach((entry, index) => {
    const path = ["schedules", index];
    const { id, ...spec } = entry;
    const first = firstIndex.get(id);
    if (first !== undefined) {
      const { line } = problems.source.position(["schedules", first, "id"]);
      problems.add(
        [...path, "id"],
        `duplicate schedule id ${JSON.stringify(id)} (also used on line ${line})`,
      );
      return;
    }
    firstIndex.set(id, index);
    let valid = checkReferences(spec, path, tasks, calendars, problems);
    const resolved = problems.check(
      path,
      () => resolveSchedule(id, spec as ScheduleSpec, now),
      (error) => scheduleField(path, error),
    );
    if (resolved === undefined) valid = false;
    if (valid) schedules.push({ id, spec: spec as ScheduleSpec });
  });
  return withoutBrokenChains(schedules, firstIndex, problems);
}

/** The schedule an `after` names, if it names one. */
function leaderOf(spec: ScheduleSpec): string | undefined {
  if (typeof spec.after === "string") return spec.after;
  return spec.after?.schedule;
}

/**
 * Every `after` must name a schedule of this file (a typo would leave a schedule that never
 * runs), and schedules that follow each other in a circle never fire: both are problems.
 */
function withoutBrokenChains(
  schedules: ScheduleConfig[],
  indexOf: ReadonlyMap<string, number>,
  problems: ProblemCollector,
): ScheduleConfig[] {
  const leaders = new Map<string, string>();
  for (const { id, spec } of schedules) {
    const leader = leaderOf(spec);
    if (leader === undefined) continue;
    const path = ["schedules", indexOf.get(id) ?? 0, "after"];
    if (!indexOf.has(leader)) {
      const suggestion = closest(leader, [...indexOf.keys()]);
      problems.add(
        path,
        `unknown schedule ${JSON.stringify(leader)}${suggestion === undefined ? "" : ` (did you mean ${suggestion}?)`}: after must name a schedule of this file`,
      );
      continue;
    }
    leaders.set(id, leader);
  }
  const broken = new Set<string>();
  for (const start of leaders.keys()) {
    const chain = [start];
    for (
      let at = leaders.get(start);
      at !== undefined && chain.length <= leaders.size;
      at = leaders.get(at)
    ) {
      if (at === start) {
        broken.add(start);
        problems.add(
          ["schedules", indexOf.get(start) ?? 0, "after"],
          `schedules ${[...chain, start].join(" → ")} follow each other in a circle, so none of them ever fires: one of them needs cron, every or at`,
        );
        break;
      }
      chain.push(at);
    }
  }
  return schedules.filter(({ id, spec }) => {
    const leader = leaderOf(spec);
    return leader === undefined || (leaders.has(id) && !broken.has(id));
  });
}

function checkReferences(
  spec: { task: string; calendars?: string[] },
  path: ConfigPath,
  tasks: ReadonlySet<string>,
  calendars: ReadonlySet<string>,
  problems: ProblemCollector,
): boolean {
  let valid = true;
  if (!tasks.has(spec.task)) {
    const suggestion = closest(spec.task, [...tasks]);
    const known = tasks.size === 0 ? "none" : [...tasks].join(", ");
    problems.add(
      [...path, "task"],
      `unknown task ${JSON.stringify(spec.task)}${suggestion === undefined ? "" : ` (did you mean ${suggestion}?)`}: declare it under tasks:, or list it in externalTasks: if another process registers it (known: ${known})`,
    );
    valid = false;
  }
  (spec.calendars ?? []).forEach((name, index) => {
    if (!calendars.has(name)) {
      problems.add(
        [...path, "calendars", index],
        `unknown calendar ${JSON.stringify(name)}: declare it under calendars:`,
      );
      valid = false;
    }
  });
  return valid;
}

/** The field of a schedule an engine error is about, from what its details name. */
function scheduleField(path: ConfigPath, error: TaskFlowError): ConfigPath {
  const fromOption = optionPath(path, error, { "retry.base": "retry.base", spec: "" });
  if (fromOption !== undefined) return fromOption;
  for (const field of ["cron", "timezone", "every", "task"] as const) {
    if (error.details[field] !== undefined) return [...path, field];
  }
  if (error.code === "INVALID_CRON") return [...path, "cron"];
  return path;
}
