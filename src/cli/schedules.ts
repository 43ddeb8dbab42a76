import { Option, type Command } from "commander";
import type { JobDoc, ScheduleChangeDoc, ScheduleDoc } from "./api-types.js";
import {
  clientContext,
  fetchList,
  hintMore,
  positiveInteger,
  verb,
  withClientFlags,
  withPageFlags,
  type ClientFlags,
  type PageFlags,
} from "./client-flags.js";
import { localTime } from "./output.js";
import { printSchedule, printScheduleTable } from "./schedule-views.js";

interface LsFlags extends ClientFlags, PageFlags {
  search?: string;
  task?: string;
  owner?: string;
}

interface PreviewFlags extends ClientFlags {
  cron?: string;
  every?: string;
  at?: string;
  timezone?: string;
  startAt?: string;
  endAt?: string;
  count: number;
  task: string;
}

const schedulePath = (id: string) => `api/v1/schedules/${encodeURIComponent(id)}`;

/** `taskflow schedules ls | show | preview | pause | resume | trigger` through the REST API. */
export function registerSchedules(program: Command): void {
  const schedules = program
    .command("schedules")
    .description("list, inspect, preview, pause, resume and trigger schedules (through a running service)")
    .addHelpText(
      "after",
      `
Examples:
  $ export TASKFLOW_URL=http://127.0.0.1:8080 TASKFLOW_TOKEN=tf_…
  $ taskflow schedules ls
  $ taskflow schedules show nightly-report
  $ taskflow schedules pause nightly-report`,
    );

  const ls = schedules.command("ls").description("schedules, by id");
  ls.option("--search <text>", "ids or tasks containing this text")
    .option("--task <name>", "schedules of this task")
    .addOption(new Option("--owner <owner>", "who manages them").choices(["file", "api", "code"]));
  withClientFlags(withPageFlags(ls, "schedules"))
    .addHelpText(
      "after",
      `
Examples:
  $ taskflow schedules ls
  $ taskflow schedules ls --owner file --search report
  $ taskflow schedules ls --all --json | jq -r '.items[].id'`,
    )
    .action(
      verb(async (flags: LsFlags) => {
        const { api, out, json } = clientContext(flags);
        const query = { search: flags.search, task: flags.task, owner: flags.owner };
        const page = await fetchList<ScheduleDoc>(api, "api/v1/schedules", query, flags);
        if (json) return out.json(page);
        printScheduleTable(out, page.items);
        hintMore(page);
      }),
    );

  withClientFlags(schedules.command("show"))
    .description("one schedule: status, definition, next fire times and every change made to it")
    .argument("<id>", "schedule id")
    .addHelpText("after", "\nExample:\n  $ taskflow schedules show nightly-report")
    .action(
      verb(async (id: string, flags: ClientFlags) => {
        const { api, out, json } = clientContext(flags);
        const [schedule, history] = await Promise.all([
          api.get<ScheduleDoc>(schedulePath(id)),
          api.get<{ items: ScheduleChangeDoc[] }>(`${schedulePath(id)}/history`),
        ]);
        if (json) return out.json({ ...schedule, history: history.items });
        printSchedule(out, schedule, history.items);
      }),
    );

  registerPreview(schedules);
  registerActions(schedules);
}

function registerPreview(schedules: Command): void {
  withClientFlags(schedules.command("preview"))
    .description("the next fire times of a definition, without saving anything")
    .option("--cron <expression>", "cron expression (seconds optional; L, W, #, @daily…)")
    .option("--every <duration>", "an interval such as 30s, 5m, 1h30m")
    .option("--at <time>", "one ISO time")
    .option("--timezone <zone>", "IANA time zone of the cron expression (default UTC)")
    .option("--start-at <time>", "no fire before this ISO time")
    .option("--end-at <time>", "no fire after this ISO time")
    .option("--count <n>", "how many fire times (1-100)", positiveInteger("--count"), 10)
    .option("--task <name>", "task name (checked like a real schedule's)", "preview")
    .addHelpText(
      "after",
      `
Examples:
  $ taskflow schedules preview --cron '30 2 * * *' --timezone Europe/Berlin --count 5
  $ taskflow schedules preview --every 90m

Times are shown in your local zone, and in --timezone when given (to check DST behaviour).`,
    )
    .action(
      verb(async (flags: PreviewFlags) => {
        const { api, out, json } = clientContext(flags);
        const optional = { cron: flags.cron, every: flags.every, at: flags.at, timezone: flags.timezone };
        const schedule: Record<string, string> = { task: flags.task };
        for (const [key, value] of Object.entries({
          ...optional,
          startAt: flags.startAt,
          endAt: flags.endAt,
        }))
          if (value !== undefined) schedule[key] = value;
        const result = await api.post<{ fireTimes: string[] }>("api/v1/schedules/preview", {
          schedule,
          count: flags.count,
        });
        if (json) return out.json(result);
        if (result.fireTimes.length === 0) return out.line("this definition never fires (again)");
        const zone = flags.timezone;
        out.table(
          [
            { header: "#", align: "right" },
            { header: "LOCAL TIME" },
            ...(zone === undefined ? [] : [{ header: zone }]),
            { header: "UTC" },
            { header: "IN" },
          ],
          result.fireTimes.map((at, i) => [
            String(i + 1),
            localTime(at),
            ...(zone === undefined ? [] : [timeIn(at, zone)]),
            at.replace("T", " ").replace(/\.000Z$/, "Z"),
            out.age(at).replace(/^in /, ""),
          ]),
        );
      }),
    );
}

function registerActions(schedules: Command): void {
  const actions = [
    ["pause", "stop firing (withdraws runs enqueued ahead) until resumed"],
    ["resume", "fire again (the schedule's catch-up policy applies to what was missed)"],
  ] as const;
  for (const [action, description] of actions) {
    withClientFlags(schedules.command(action))
      .description(description)
      .argument("<id>", "schedule id")
      .addHelpText("after", `\nExample:\n  $ taskflow schedules ${action} nightly-report`)
      .action(
        verb(async (id: string, flags: ClientFlags) => {
          const { api, out, json } = clientContext(flags);
          const schedule = await api.post<ScheduleDoc>(`${schedulePath(id)}/${action}`);
          if (json) return out.json(schedule);
          const next =
            schedule.paused || schedule.nextFireAt === null
              ? ""
              : `; next fire ${out.when(schedule.nextFireAt)}`;
          out.line(`schedule ${schedule.id} is ${out.state(schedule.paused ? "paused" : "active")}${next}`);
        }),
      );
  }

  withClientFlags(schedules.command("trigger"))
    .description("run the schedule's task now, once (its regular fire times are unchanged)")
    .argument("<id>", "schedule id")
    .addHelpText("after", "\nExample:\n  $ taskflow schedules trigger nightly-report")
    .action(
      verb(async (id: string, flags: ClientFlags) => {
        const { api, out, json } = clientContext(flags);
        const job = await api.post<JobDoc>(`${schedulePath(id)}/trigger`);
        if (json) return out.json(job);
        out.line(`triggered schedule ${id}: job ${job.id} (${job.task}) is ${out.state(job.state)}`);
      }),
    );
}

/** `2025-03-30 03:00:00` in an IANA zone; the ISO time when the zone is unknown here. */
function timeIn(iso: string, zone: string): string {
  try {
    const parts = new Intl.DateTimeFormat("en-CA", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    }).formatToParts(new Date(iso));
    const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
    return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")}:${get("second")}`;
  } catch {
    return iso;
  }
}
