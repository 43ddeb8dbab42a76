// The control verbs as a user runs them: a real CLI process against a real listening API.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../support/taskflow-fixture.js";
import { closedPort, listeningApi, type ListeningApi } from "./api-server.js";
import { jsonOf, runCli } from "./run-cli.js";

interface Items<T> {
  items: T[];
  nextCursor: string | null;
}
type Doc = Record<string, unknown>;

const ESC = "\u001b";

describe("taskflow control verbs against a running service", () => {
  let api: ListeningApi;
  let as: (role: "viewer" | "operator" | "admin") => Record<string, string>;

  beforeAll(async () => {
    api = await listeningApi();
    as = (role) => ({ TASKFLOW_URL: api.url, TASKFLOW_TOKEN: api.tokenOf[role] });
    for (const id of ["nightly", "hourly", "reports/weekly"])
      await api.tf.schedule(id, { task: "noop", cron: id === "hourly" ? "0 * * * *" : "0 2 * * *" });
  });
  afterAll(async () => {
    await api.close();
  });

  it("lists, shows, pauses, resumes and triggers schedules, with --json documents", async () => {
    const list = jsonOf<Items<Doc>>(await runCli(["schedules", "ls", "--json"], as("viewer")));
    expect(list.items.map((s) => s.id)).toEqual(["hourly", "nightly", "reports/weekly"]);

    const paused = jsonOf(await runCli(["schedules", "pause", "nightly", "--json"], as("operator")));
    expect(paused).toMatchObject({ id: "nightly", paused: true });
    const resumed = jsonOf(await runCli(["schedules", "resume", "nightly", "--json"], as("operator")));
    expect(resumed).toMatchObject({ id: "nightly", paused: false });

    const shown = jsonOf<Doc & { upcoming: string[]; history: Doc[] }>(
      await runCli(["schedules", "show", "nightly", "--json"], as("viewer")),
    );
    expect(shown).toMatchObject({ id: "nightly", task: "noop", paused: false });
    expect(shown.upcoming).toHaveLength(5);
    expect(shown.history.map((change) => change.action)).toEqual(
      expect.arrayContaining(["created", "paused", "resumed"]),
    );

    const job = jsonOf(await runCli(["schedules", "trigger", "nightly", "--json"], as("operator")));
    expect(job).toMatchObject({ task: "noop", scheduleId: "nightly" });
    const jobs = jsonOf<Items<Doc>>(
      await runCli(["jobs", "ls", "--schedule", "nightly", "--json"], as("viewer")),
    );
    expect(jobs.items.map((j) => j.id)).toContain(job.id);
  });

  it("shows a schedule whose id has a slash", async () => {
    const shown = jsonOf(await runCli(["schedules", "show", "reports/weekly", "--json"], as("viewer")));
    expect(shown).toMatchObject({ id: "reports/weekly" });
  });

  it("follows every page with --all", async () => {
    const one = jsonOf<Items<Doc>>(await runCli(["schedules", "ls", "--limit", "1", "--json"], as("viewer")));
    expect(one.items).toHaveLength(1);
    expect(one.nextCursor).toBe("hourly");
    const all = jsonOf<Items<Doc>>(
      await runCli(["schedules", "ls", "--limit", "1", "--all", "--json"], as("viewer")),
    );
    expect(all).toEqual({ items: expect.any(Array) as unknown, nextCursor: null });
    expect(all.items.map((s) => s.id)).toEqual(["hourly", "nightly", "reports/weekly"]);
  });

  it("prints aligned tables without escape codes when stdout is not a terminal", async () => {
    await api.tf.enqueue("noop", {}, { delay: "1h", tags: ["table"] });
    const [schedules, jobs] = await Promise.all([
      runCli(["schedules", "ls"], as("viewer")),
      runCli(["jobs", "ls", "--tag", "table"], as("viewer")),
    ]);
    expect(schedules.status).toBe(0);
    expect(schedules.stdout).not.toContain(ESC);
    const [header, ...rows] = schedules.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^ID +TASK +TIMING +STATUS +NEXT FIRE +LAST FIRE +OWNER$/);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^hourly +noop +0 \* \* \* \* +active +/);
    // Columns line up: each row's TASK starts where the header's does.
    const at = header!.indexOf("TASK");
    for (const row of rows) expect(row.slice(at, at + 4)).toBe("noop");
    expect(jobs.status).toBe(0);
    expect(jobs.stdout).not.toContain(ESC);
    expect(jobs.stdout).toMatch(/^ *ID +TASK +STATE +QUEUE +ATTEMPT +RUN AT +CREATED +LAST ERROR\n/);
    expect(jobs.stdout).toContain("queued");
  });

  it("previews a definition's fire times", async () => {
    const preview = jsonOf<{ fireTimes: string[] }>(
      await runCli(
        [
          "schedules",
          "preview",
          "--cron",
          "30 2 * * *",
          "--timezone",
          "Europe/Berlin",
          "--count",
          "3",
          "--json",
        ],
        as("viewer"),
      ),
    );
    expect(preview.fireTimes).toHaveLength(3);
    for (const at of preview.fireTimes) expect(new Date(at).getUTCMinutes()).toBe(30);
    const table = await runCli(["schedules", "preview", "--every", "90m", "--count", "2"], as("viewer"));
    expect(table.status).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^# +LOCAL TIME +UTC +IN$/);
  });

  it("shows a job with its attempts and errors, retries it from the dead-letter queue", async () => {
    await api.tf.start();
    const job = await api.tf.enqueue("doomed", {}, { tags: ["dlq"] });
    await until(async () => (await api.tf.getJob(job.id))?.state === "dead", "the job to die");

    const shown = jsonOf<Doc & { attempts: Doc[]; logs: Doc[] }>(
      await runCli(["jobs", "show", job.id, "--json"], as("viewer")),
    );
    expect(shown).toMatchObject({ id: job.id, state: "dead" });
    expect(shown.attempts).toMatchObject([
      {
        attempt: 1,
        outcome: "failed",
        error: { code: "PERMANENT_FAILURE", message: "the account is closed" },
      },
    ]);
    const human = await runCli(["jobs", "show", job.id], as("viewer"));
    expect(human.stdout).toContain("PERMANENT_FAILURE: the account is closed");
    expect(human.stdout).not.toContain(ESC);

    const dead = jsonOf<Items<Doc>>(await runCli(["dead", "ls", "--tag", "dlq", "--json"], as("viewer")));
    expect(dead.items.map((j) => j.id)).toEqual([job.id]);

    const retried = jsonOf(await runCli(["jobs", "retry", job.id, "--json"], as("operator")));
    expect(retried).toMatchObject({ id: job.id });
    const audit = await api.tf.store.access.listAudit({ limit: 50, targetType: "job", targetId: job.id });
    expect(audit).toContainEqual(expect.objectContaining({ action: "job.retry", before: { state: "dead" } }));
  });

  it("refuses dead replay without --yes when stdin is not a terminal, and replays nothing", async () => {
    const job = await api.tf.enqueue("doomed", {}, { tags: ["replay"] });
    await until(async () => (await api.tf.getJob(job.id))?.state === "dead", "the job to die");
    const refused = await runCli(["dead", "replay", "--task", "doomed"], as("operator"));
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain("error CONFIRMATION_REQUIRED");
    expect(refused.stderr).toContain("--yes");
    expect((await api.tf.getJob(job.id))?.state).toBe("dead");
    expect(await api.tf.store.access.listAudit({ limit: 50, targetType: "job" })).not.toContainEqual(
      expect.objectContaining({ action: "dead.replay" }),
    );

    const replayed = jsonOf<{ replayed: number }>(
      await runCli(["dead", "replay", "--task", "doomed", "--yes", "--json"], as("operator")),
    );
    expect(replayed.replayed).toBeGreaterThanOrEqual(1);
  });

  it("exits 4 with UNAUTHENTICATED without a valid token, and 4 with FORBIDDEN below the role", async () => {
    const job = await api.tf.enqueue("noop", {}, { delay: "1h" });
    const [none, bogus, viewer] = await Promise.all([
      runCli(["jobs", "ls"], { TASKFLOW_URL: api.url }),
      runCli(["jobs", "ls"], { TASKFLOW_URL: api.url, TASKFLOW_TOKEN: "tf_aaaaaaaaaaaa_" + "A".repeat(43) }),
      runCli(["jobs", "cancel", job.id], as("viewer")),
    ]);
    expect(none.status).toBe(4);
    expect(none.stderr).toContain("error UNAUTHENTICATED");
    expect(none.stderr).toContain("TASKFLOW_TOKEN");
    expect(bogus.status).toBe(4);
    expect(bogus.stderr).toContain("error UNAUTHENTICATED");
    expect(viewer.status).toBe(4);
    expect(viewer.stderr).toContain("error FORBIDDEN");
    expect((await api.tf.getJob(job.id))?.state).toBe("queued");
  });

  it("exits 2 for an unknown job or schedule and for bad input", async () => {
    const [job, schedule, badState, badTime] = await Promise.all([
      runCli(["jobs", "show", "999999"], as("viewer")),
      runCli(["schedules", "pause", "no-such-schedule"], as("operator")),
      runCli(["jobs", "ls", "--state", "sleeping"], as("viewer")),
      runCli(["jobs", "ls", "--from", "yesterday-ish"], as("viewer")),
    ]);
    expect(job.status).toBe(2);
    expect(job.stderr).toContain("error JOB_NOT_FOUND");
    expect(schedule.status).toBe(2);
    expect(schedule.stderr).toContain("error SCHEDULE_NOT_FOUND");
    expect(badState.status).toBe(2);
    expect(badTime.status).toBe(2);
    expect(badTime.stderr).toContain("error INVALID_OPTION");
  });

  it("exits 5 naming the URL when no service answers", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const result = await runCli(["schedules", "ls", "--url", url], { TASKFLOW_TOKEN: api.tokenOf.viewer });
    expect(result.status).toBe(5);
    expect(result.stderr).toContain(`error SERVICE_UNREACHABLE: cannot reach the TaskFlow service at ${url}`);
    expect(result.stderr).toContain("connection refused");
    expect(result.stderr).toContain("taskflow start");
  });

  it("warns about a token on the command line and never prints it", async () => {
    const token = api.tokenOf.viewer;
    const result = await runCli(["jobs", "show", "999999", "--url", api.url, "--token", token]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("shell history");
    expect(result.stderr).toContain("TASKFLOW_TOKEN");
    expect(result.stdout + result.stderr).not.toContain(token);
  });
});
