import { Option, type Command } from "commander";
import type { AttemptDoc, JobDoc, JobLogDoc } from "./api-types.js";
import { JobState } from "../domain/job-state.js";
import {
  clientContext,
  fetchList,
  hintMore,
  verb,
  withClientFlags,
  withPageFlags,
  type ClientFlags,
  type PageFlags,
} from "./client-flags.js";
import { jobQuery, printJob, printJobTable, withJobFilterFlags, type JobFilterFlags } from "./job-views.js";
import { localTime } from "./output.js";

const STATES: string[] = Object.values(JobState);

interface JobsLsFlags extends ClientFlags, PageFlags, JobFilterFlags {
  state?: string;
}

export const jobPath = (id: string) => `api/v1/jobs/${encodeURIComponent(id)}`;

/** `taskflow jobs ls | show | retry | cancel`: jobs (runs) through the REST API. */
export function registerJobs(program: Command): void {
  const jobs = program
    .command("jobs")
    .description("search and inspect jobs, retry or cancel them (through a running service)")
    .addHelpText(
      "after",
      `
Examples:
  $ taskflow jobs ls --state dead --task send-email
  $ taskflow jobs show 1042
  $ taskflow jobs retry 1042`,
    );

  const ls = jobs.command("ls").description("jobs, newest first");
  ls.addOption(new Option("--state <state>", "jobs in this state").choices(STATES));
  withClientFlags(withPageFlags(withJobFilterFlags(ls), "jobs"))
    .addHelpText(
      "after",
      `
Examples:
  $ taskflow jobs ls --state running
  $ taskflow jobs ls --task send-email --from 2h --tag customer:42
  $ taskflow jobs ls --schedule nightly-report --all --json | jq '.items | length'`,
    )
    .action(
      verb(async (flags: JobsLsFlags) => {
        const { api, out, json } = clientContext(flags);
        const page = await fetchList<JobDoc>(
          api,
          "api/v1/jobs",
          { ...jobQuery(flags), state: flags.state },
          flags,
        );
        if (json) return out.json(page);
        printJobTable(out, page.items);
        hintMore(page);
      }),
    );

  withClientFlags(jobs.command("show"))
    .description("one job: its fields, every attempt with its error, and its log lines")
    .argument("<id>", "job id")
    .addHelpText("after", "\nExample:\n  $ taskflow jobs show 1042")
    .action(
      verb(async (id: string, flags: ClientFlags) => {
        const { api, out, json } = clientContext(flags);
        const [job, attempts, logs] = await Promise.all([
          api.get<JobDoc>(jobPath(id)),
          api.get<{ items: AttemptDoc[] }>(`${jobPath(id)}/attempts`),
          api.get<{ items: JobLogDoc[] }>(`${jobPath(id)}/logs`),
        ]);
        if (json) return out.json({ ...job, attempts: attempts.items, logs: logs.items });
        printJob(out, job, attempts.items, logs.items);
      }),
    );

  withClientFlags(jobs.command("retry"))
    .description("run a dead or cancelled job again, with a fresh attempt budget")
    .argument("<id>", "job id")
    .addHelpText("after", "\nExample:\n  $ taskflow jobs retry 1042")
    .action(
      verb(async (id: string, flags: ClientFlags) => {
        const { api, out, json } = clientContext(flags);
        const job = await api.post<JobDoc>(`${jobPath(id)}/retry`);
        if (json) return out.json(job);
        out.line(
          `job ${job.id} (${job.task}) is ${out.state(job.state)} again, runs at ${localTime(job.runAt)}`,
        );
      }),
    );

  withClientFlags(jobs.command("cancel"))
    .description("cancel a queued job, or ask a running one to stop (its handler's signal is aborted)")
    .argument("<id>", "job id")
    .addHelpText("after", "\nExample:\n  $ taskflow jobs cancel 1042")
    .action(
      verb(async (id: string, flags: ClientFlags) => {
        const { api, out, json } = clientContext(flags);
        const job = await api.post<JobDoc>(`${jobPath(id)}/cancel`);
        if (json) return out.json(job);
        out.line(
          job.state === "running"
            ? `job ${job.id} (${job.task}) is running: cancellation requested, its handler is being stopped`
            : `job ${job.id} (${job.task}) is ${out.state(job.state)}`,
        );
      }),
    );
}
