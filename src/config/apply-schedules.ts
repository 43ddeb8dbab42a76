import { ErrorCode, TaskFlowError } from "../domain/errors.js";
import { basename } from "node:path";
import type { Logger } from "pino";
import { canonicalJson } from "../domain/canonical-json.js";
import type { Schedule } from "../domain/schedule.js";
import type { TaskFlow } from "../taskflow.js";
import type { ServiceConfig } from "./service-config.js";

/** What applying a file's schedules did, by schedule id. */
export interface ScheduleSync {
  created: string[];
  updated: string[];
  unchanged: string[];
  /** File-owned schedules that are no longer in the file, deleted. */
  removed: string[];
  /** Ids the file names that belong to the API or to code: left as they are. */
  conflicts: string[];
  /** Schedules the engine refused (a task this node has not registered, say): left as they were. */
  failed: { id: string; message: string }[];
}

export interface ApplyScheduleOptions {
  /** Recorded in each schedule's history. @defaultValue "config:<file name>" */
  actor?: string;
  logger?: Logger;
}

const PAGE = 500;

/**
 * Makes the schedules the file owns match the file: creates and updates the file's schedules,
 * deletes file-owned ones it no longer lists, and never touches a schedule created through the
 * API or in code (an id the file shares with one is a conflict, reported and logged). Defines
 * the file's calendars first, since schedules name them. Safe to run at every start of every
 * node: an unchanged schedule writes nothing.
 */
export async function applyConfigSchedules(
  tf: TaskFlow,
  config: ServiceConfig,
  options: ApplyScheduleOptions = {},
): Promise<ScheduleSync> {
  const actor = options.actor ?? `config:${basename(config.sourcePath)}`;
  const log = options.logger ?? tf.logger;
  const sync: ScheduleSync = {
    created: [],
    updated: [],
    unchanged: [],
    removed: [],
    conflicts: [],
    failed: [],
  };
  for (const calendar of config.calendars) await tf.defineCalendar(calendar.name, calendar.ranges);

  const owned = await fileOwnedSchedules(tf);
  for (const { id, spec } of config.schedules) {
    const existing = owned.get(id) ?? (await tf.getSchedule(id));
    if (existing !== null && existing.owner !== "file") {
      sync.conflicts.push(id);
      log.warn(
        { scheduleId: id, owner: existing.owner, file: config.sourcePath },
        "the file names a schedule created through the API or in code; left unchanged (rename it in the file, or delete the other)",
      );
      continue;
    }
    if (
      existing !== null &&
      canonicalJson(existing.spec) === canonicalJson(JSON.parse(JSON.stringify(spec)))
    ) {
      sync.unchanged.push(id);
      continue;
    }
    try {
      await tf.schedule(id, spec, { actor, owner: "file" });
      (existing === null ? sync.created : sync.updated).push(id);
    } catch (error) {
      if (error instanceof TaskFlowError && error.code === ErrorCode.ScheduleOwnedElsewhere) {
        // Created through the API or in code since we looked: the store refused to overwrite it.
        sync.conflicts.push(id);
        log.warn({ scheduleId: id, file: config.sourcePath }, error.message);
        continue;
      }
      sync.failed.push({ id, message: (error as Error).message });
      log.error({ scheduleId: id, err: error }, "a schedule of the file could not be applied");
    }
  }

  const listed = new Set(config.schedules.map((schedule) => schedule.id));
  for (const id of owned.keys()) {
    if (listed.has(id)) continue;
    if (await tf.unschedule(id, { actor })) sync.removed.push(id);
  }
  return sync;
}

async function fileOwnedSchedules(tf: TaskFlow): Promise<Map<string, Schedule>> {
  const owned = new Map<string, Schedule>();
  for (let after: string | undefined; ;) {
    const page = await tf.listSchedules({
      owner: "file",
      limit: PAGE,
      ...(after === undefined ? {} : { after }),
    });
    for (const schedule of page) owned.set(schedule.id, schedule);
    if (page.length < PAGE) return owned;
    after = page[page.length - 1]?.id;
  }
}

/** `3 created, 1 updated, 0 removed…` for a log line. */
export function describeSync(sync: ScheduleSync): string {
  return [
    `${sync.created.length} created`,
    `${sync.updated.length} updated`,
    `${sync.removed.length} removed`,
    `${sync.unchanged.length} unchanged`,
    ...(sync.conflicts.length === 0 ? [] : [`${sync.conflicts.length} in conflict`]),
    ...(sync.failed.length === 0 ? [] : [`${sync.failed.length} failed`]),
  ].join(", ");
}
