import type { Command } from "commander";
import type { QueryValue } from "./api-client.js";
import type { AttemptDoc, JobDoc, JobLogDoc } from "./api-types.js";
import { collect } from "./client-flags.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { block, localTime, oneLine, type Output } from "./output.js";
import { ErrorCode } from "../domain/errors.js";
import { parseDuration } from "../domain/duration.js";

/** The job search flags shared by `jobs ls` and `dead ls`. */
export interface JobFilterFlags {
  task?: string;
  queue?: string;
  schedule?: string;
  tag?: string[];
  from?: string;
  to?: string;
}

export function withJobFilterFlags(command: Command): Command {
  return command
    .option("--task <name>", "jobs of this task")
    .option("--queue <name>", "jobs of this queue")
    .option("--schedule <id>", "occurrences of this schedule")
    .option("--tag <tag>", "jobs carrying this tag (repeat: all of them)", collect)
    .option("--from <time>", "created at or after: ISO time (local unless it has a zone) or an age like 2h")
    .option("--to <time>", "created before: ISO time or an age like 30m");
}

export function jobQuery(flags: JobFilterFlags, now = Date.now()): Record<string, QueryValue> {
  return {
    task: flags.task,
    queue: flags.queue,
    schedule: flags.schedule,
    tag: flags.tag,
    from: flags.from === undefined ? undefined : parseTime(flags.from, "--from", now),
    to: flags.to === undefined ? undefined : parseTime(flags.to, "--to", now),
  };
}

/** An ISO time (a date alone is local midnight), or an age such as `2h` meaning that long ago. */
export function parseTime(value: string, option: string, now: number): string {
  const text = value.trim();
  if (/^\d+(\.\d+)?(ms|s|m|h|d)/.test(text)) {
    try {
      return new Date(now - parseDuration(text, option)).toISOString();
    } catch {
      // not a duration after all: try it as a time
    }
  }
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00` : text);
  if (Number.isNaN(date.getTime())) {
    throw new CliError(
      ErrorCode.InvalidOption,
      `${option} must be an ISO time like 2025-06-01T14:00 or an age like 2h, got ${JSON.stringify(value)}`,
      ExitCode.InvalidInput,
      { option },
    );
  }
  return date.toISOString();
}

export function printJobTable(out: Output, jobs: JobDoc[], noun = "jobs"): void {
  if (jobs.length === 0) {
    out.line(`no ${noun}`);
    return;
  }
  out.table(
    [
      { header: "ID", align: "right" },
      { header: "TASK", max: 32, flex: true },
      { header: "STATE" },
      { header: "QUEUE", max: 16, flex: true },
      { header: "ATTEMPT", align: "right" },
      { header: "RUN AT" },
      { header: "CREATED" },
      { header: "LAST ERROR", max: 60, flex: true },
    ],
    jobs.map((job) => [
      job.id,
      job.task,
      out.stateCell(job.state),
      job.queue,
      job.maxAttempts === null ? String(job.attempt) : `${job.attempt}/${job.maxAttempts}`,
      localTime(job.runAt),
      out.age(job.createdAt),
      job.lastError === null
        ? ""
        : { text: `${job.lastError.code}: ${job.lastError.message}`, colour: "red" },
    ]),
  );
}

/** A job in full: its fields, then each attempt with its error, then its log lines. */
export function printJob(out: Output, job: JobDoc, attempts: AttemptDoc[], logs: JobLogDoc[]): void {
  const fields: [string, string][] = [
    ["job", `${job.id}  ${out.state(job.state)}${job.cancelRequested ? "  (cancel requested)" : ""}`],
    ["task", oneLine(job.task)],
    ["queue", oneLine(job.queue)],
    ["priority", String(job.priority)],
    ["attempt", job.maxAttempts === null ? String(job.attempt) : `${job.attempt} of ${job.maxAttempts}`],
    ["run at", out.when(job.runAt)],
    ["created", out.when(job.createdAt)],
  ];
  if (job.startedAt !== null) fields.push(["started", out.when(job.startedAt)]);
  if (job.finishedAt !== null) fields.push(["finished", out.when(job.finishedAt)]);
  if (job.scheduleId !== null)
    fields.push([
      "schedule",
      `${oneLine(job.scheduleId)}${job.fireAt === null ? "" : `, fire time ${out.when(job.fireAt)}`}`,
    ]);
  if (job.tags.length > 0) fields.push(["tags", job.tags.map(oneLine).join(", ")]);
  if (job.idempotencyKey !== null) fields.push(["idempotency key", oneLine(job.idempotencyKey)]);
  if (job.timeoutMs !== null) fields.push(["timeout", `${job.timeoutMs} ms`]);
  if (job.leaseOwner !== null)
    fields.push(["lease", `${oneLine(job.leaseOwner)} until ${out.when(job.leaseExpiresAt)}`]);
  fields.push(["payload", block(JSON.stringify(job.payload))]);
  if (job.result !== null && job.result !== undefined)
    fields.push(["result", block(JSON.stringify(job.result))]);
  if (job.progress !== null && job.progress !== undefined)
    fields.push(["progress", block(JSON.stringify(job.progress))]);
  out.fields(fields);

  out.heading(`Attempts (${attempts.length})`);
  if (attempts.length === 0) out.line("  none yet");
  for (const attempt of attempts) printAttempt(out, attempt);

  out.heading(`Logs (${logs.length})`);
  if (logs.length === 0) out.line("  none");
  for (const log of logs) {
    const data = log.data === null || log.data === undefined ? "" : `  ${oneLine(JSON.stringify(log.data))}`;
    const level = log.level.padEnd(5);
    const colour = log.level === "error" ? "red" : log.level === "warn" ? "yellow" : "dim";
    out.line(
      `  ${localTime(log.at)}  #${log.attempt}  ${out.paint(level, colour)}  ${oneLine(log.message)}${data}`,
    );
  }
}

function printAttempt(out: Output, attempt: AttemptDoc): void {
  const took =
    attempt.startedAt !== null && attempt.finishedAt !== null
      ? `, took ${Date.parse(attempt.finishedAt) - Date.parse(attempt.startedAt)} ms`
      : "";
  const worker = attempt.worker === null ? "" : ` on ${oneLine(attempt.worker)}`;
  const started = attempt.startedAt === null ? "" : ` started ${out.when(attempt.startedAt)}`;
  out.line(`  #${attempt.attempt}  ${out.state(attempt.outcome)}${worker}${started}${took}`);
  if (attempt.error !== null) {
    out.line(`      ${out.paint(`${attempt.error.code}: ${oneLine(attempt.error.message)}`, "red")}`);
    if (attempt.error.stack !== undefined) {
      const stack = block(attempt.error.stack).split("\n").slice(1);
      for (const line of stack) out.line(out.paint(`      ${line.trim()}`, "dim"));
    }
  }
}
