// GET /metrics after a scripted workload: jobs that succeed, fail then succeed on retry, go dead,
// are cancelled queued and running, wait behind a busy task, and schedule occurrences on time,
// skipped and caught up. Every per-task counter and queue gauge scraped through the API must
// equal what the job table says.
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { openApi, type ApiFixture } from "../support/api-fixture.js";
import { backends } from "../support/backends.js";
import { parseExposition, sumBy, type Sample } from "../support/prometheus-text.js";
import { advanceBy } from "../support/schedule-fixture.js";
import { aborted, advanceUntil, gate, until } from "../support/taskflow-fixture.js";

interface TaskRow {
  task: string;
  queue: string;
  created: number;
  attempts: number;
  failed_attempts: number;
  running: number;
  ready: number;
  delayed: number;
  oldest_ready: Date | string | null;
  caught_up: number;
  skipped: number;
  occurrence_starts: number;
}

const JOB_COUNTERS = ["enqueued", "started", "succeeded", "failed", "retried", "dead", "cancelled"];
// Every label a sample may carry; each takes a bounded set of values (outcome: dead or skipped).
const LABELS = new Set(["task", "queue", "status", "reason", "policy", "write", "outcome", "le"]);

describe.each(backends)("GET /metrics ($name)", (backend) => {
  let api: ApiFixture;
  const blocked = gate();
  beforeAll(async () => {
    api = await openApi(backend);
  });
  afterAll(async () => {
    blocked.open();
    await api.close();
  });

  const sql = async <R>(text: string, params: unknown[] = []): Promise<R[]> =>
    (await (api.tf.store as PostgresStore).driver.query<R>(text, params)).rows;
  const post = (url: string, payload?: object) =>
    api.app.inject({ method: "POST", url, headers: api.auth("operator"), ...(payload ? { payload } : {}) });
  const jobId = (response: LightMyRequestResponse) => response.json<{ id: string }>().id;
  const stateOf = async (id: string) => (await api.tf.getJob(id))?.state;
  const scrape = () => api.app.inject({ url: "/metrics", headers: api.auth("viewer") });

  it("needs a token and answers the Prometheus text format to a viewer", async () => {
    const anonymous = await api.app.inject({ url: "/metrics" });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json<{ error: { code: string } }>().error.code).toBe("UNAUTHENTICATED");
    const response = await scrape();
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.body).toContain("# TYPE taskflow_jobs_enqueued_total counter");
    expect(parseExposition(response.body).find((s) => s.name === "taskflow_cluster_stats_up")?.value).toBe(1);
  });

  it("counts what the job table holds after a scripted workload", async () => {
    const { tf, clock } = api;
    const failedOnce = new Set<string>();
    tf.task("flaky", {
      maxAttempts: 3,
      retry: { kind: "fixed", delay: "1s" },
      run: (ctx) => {
        if (failedOnce.has(ctx.job.id)) return "second time lucky";
        failedOnce.add(ctx.job.id);
        throw new Error("first attempt fails");
      },
    });
    tf.task("waits", { run: (ctx) => aborted(ctx.signal) });
    tf.task("busy", { concurrency: 1, run: () => blocked.promise });
    tf.task("ticker", { run: () => "tick" });
    tf.task("catch-up", { run: () => "late" });
    await tf.schedule("tick", { task: "ticker", every: "10s" });
    await tf.schedule("hourly-ish", { task: "catch-up", every: "1m", catchup: "latest" });
    await tf.pause("hourly-ish");
    await tf.start();

    for (let i = 0; i < 3; i++) expect((await post("/api/v1/jobs", { task: "noop" })).statusCode).toBe(201);
    expect((await post("/api/v1/jobs", { task: "noop", idempotencyKey: "k" })).statusCode).toBe(201);
    expect((await post("/api/v1/jobs", { task: "noop", idempotencyKey: "k" })).statusCode).toBe(200);
    for (const task of ["flaky", "flaky", "fails", "fails", "busy", "busy", "busy"])
      expect((await post("/api/v1/jobs", { task })).statusCode).toBe(201);
    // Jobs that wait for a failing one: one ends dead, one skipped, when it goes dead.
    const [failing] = await sql<{ id: string }>(
      `SELECT id::text AS id FROM jobs WHERE task = 'fails' ORDER BY id LIMIT 1`,
    );
    const dependent = (onFailure: string) =>
      post("/api/v1/jobs", { task: "noop", queue: "deps", dependsOn: [{ job: failing!.id, onFailure }] });
    expect((await dependent("fail")).statusCode).toBe(201);
    expect((await dependent("skip")).statusCode).toBe(201);
    const waiting = jobId(await post("/api/v1/jobs", { task: "waits" }));
    const later = jobId(await post("/api/v1/jobs", { task: "noop", queue: "later", delay: "1h" }));
    await post("/api/v1/jobs", { task: "noop", queue: "later", delay: "2h" });
    expect((await post(`/api/v1/jobs/${later}/cancel`)).statusCode).toBe(200);
    await until(async () => (await stateOf(waiting)) === "running", "the waiting job runs");
    expect((await post(`/api/v1/jobs/${waiting}/cancel`)).statusCode).toBe(200);
    await advanceUntil(
      clock,
      250,
      30_000,
      async () =>
        (
          await sql(
            `SELECT 1 FROM jobs WHERE task IN ('flaky', 'fails', 'waits') AND state IN ('queued', 'running')`,
          )
        ).length === 0,
      "retries done, dead jobs dead, the running job cancelled",
    );
    // Enqueued after its dependency went dead: ends dead at once.
    expect((await dependent("fail")).json<{ state: string }>().state).toBe("dead");
    // Five minutes: the ticker fires 30 times, the paused schedule misses 5 occurrences, and the
    // two busy jobs behind the one that runs wait.
    await advanceBy(clock, 300_000, 5_000);
    await tf.resume("hourly-ish");
    await advanceUntil(
      clock,
      250,
      10_000,
      async () =>
        (
          await sql(
            `SELECT 1 FROM jobs WHERE task = 'catch-up' AND state = 'succeeded' AND created_at - fire_at > interval '30 seconds'`,
          )
        ).length === 1,
      "the latest missed occurrence caught up",
    );
    const now = clock.now();
    await until(
      async () =>
        (
          await sql(
            `SELECT 1 FROM jobs WHERE task <> 'busy' AND (state = 'running' OR (state = 'queued' AND run_at <= $1))`,
            [new Date(now)],
          )
        ).length === 0,
      "every due job but the busy ones finished and recorded",
    );

    const response = await scrape();
    expect(response.statusCode).toBe(200);
    const samples = parseExposition(response.body);
    const rows = await taskRows(now);
    const states = await sql<{ task: string; queue: string; state: string; count: number | string }>(
      "SELECT task, queue, state, count(*) AS count FROM jobs GROUP BY task, queue, state",
    );
    const byState = (state: string) =>
      new Map(states.filter((s) => s.state === state).map((s) => [`${s.task}/${s.queue}`, Number(s.count)]));

    // The workload did what it says (so the comparison below is not of zeros).
    const row = (task: string, queue = "default") => rows.find((r) => r.task === task && r.queue === queue);
    expect(byState("succeeded").get("noop/default")).toBe(4);
    expect(byState("succeeded").get("flaky/default")).toBe(2);
    expect(row("flaky")!.failed_attempts).toBe(2);
    expect(byState("dead").get("fails/default")).toBe(2);
    expect(row("fails")!.failed_attempts).toBe(4);
    expect(byState("cancelled").get("waits/default")).toBe(1);
    expect(byState("dead").get("noop/deps")).toBe(2);
    expect(byState("skipped").get("noop/deps")).toBe(1);
    expect(byState("cancelled").get("noop/later")).toBe(1);
    expect(row("noop", "later")!.delayed).toBe(1);
    expect(row("busy")).toMatchObject({ running: 1, ready: 2 });
    expect(byState("succeeded").get("ticker/default")).toBeGreaterThanOrEqual(29);
    expect(row("catch-up")).toMatchObject({ caught_up: 1 });
    expect(row("catch-up")!.skipped).toBeGreaterThanOrEqual(3);

    const ended = await sql<{ task: string; queue: string; state: string; count: number | string }>(
      `SELECT task, queue, state, count(*) AS count FROM jobs
       WHERE last_error->>'code' IN ('DEPENDENCY_FAILED', 'DEPENDENCY_SKIPPED') GROUP BY task, queue, state`,
    );
    const deadByAttempts = new Map(byState("dead"));
    for (const e of ended.filter((e) => e.state === "dead")) {
      const key = `${e.task}/${e.queue}`;
      deadByAttempts.set(key, (deadByAttempts.get(key) ?? 0) - Number(e.count));
    }
    const metric = (name: string, by = ["task", "queue"]) => sumBy(samples, `taskflow_${name}`, by);
    const expected: Record<string, Map<string, number>> = {
      enqueued: new Map(rows.map((r) => [`${r.task}/${r.queue}`, r.created])),
      started: new Map(rows.map((r) => [`${r.task}/${r.queue}`, r.attempts])),
      succeeded: byState("succeeded"),
      failed: new Map(rows.map((r) => [`${r.task}/${r.queue}`, r.failed_attempts])),
      // Each job that went dead by its attempts ended one failed attempt without a retry.
      retried: new Map(
        rows.map((r) => [
          `${r.task}/${r.queue}`,
          r.failed_attempts - (deadByAttempts.get(`${r.task}/${r.queue}`) ?? 0),
        ]),
      ),
      dead: byState("dead"),
      cancelled: byState("cancelled"),
    };
    for (const counter of JOB_COUNTERS)
      expect([counter, nonZero(metric(`jobs_${counter}_total`))]).toEqual([
        counter,
        nonZero(expected[counter]!),
      ]);
    expect(nonZero(metric("jobs_ended_by_dependency_total", ["task", "queue", "outcome"]))).toEqual(
      nonZero(new Map(ended.map((e) => [`${e.task}/${e.queue}/${e.state}`, Number(e.count)]))),
    );
    expect(metric("jobs_ended_by_dependency_total", ["outcome"])).toEqual(
      new Map([
        ["dead", 2],
        ["skipped", 1],
      ]),
    );

    const depth = sumBy(samples, "taskflow_queue_depth", ["task", "queue", "status"]);
    expect(nonZero(depth)).toEqual(
      nonZero(
        new Map(
          rows.flatMap((r) => [
            [`${r.task}/${r.queue}/ready`, r.ready],
            [`${r.task}/${r.queue}/delayed`, r.delayed],
          ]),
        ),
      ),
    );
    const oldest = metric("queue_oldest_waiting_seconds");
    for (const r of rows.filter((r) => r.ready + r.delayed > 0)) {
      const age = r.oldest_ready === null ? 0 : (now - new Date(r.oldest_ready).getTime()) / 1000;
      expect([r.task, r.queue, oldest.get(`${r.task}/${r.queue}`)]).toEqual([r.task, r.queue, age]);
    }
    expect(oldest.get("busy/default")).toBeGreaterThanOrEqual(300);

    const perTask = (pick: (r: TaskRow) => number) => {
      const sums = new Map<string, number>();
      for (const r of rows) sums.set(r.task, (sums.get(r.task) ?? 0) + pick(r));
      return nonZero(sums);
    };
    expect(nonZero(metric("schedule_occurrences_skipped_total", ["task"]))).toEqual(
      perTask((r) => r.skipped),
    );
    expect(nonZero(metric("schedule_occurrences_caught_up_total", ["task"]))).toEqual(
      perTask((r) => r.caught_up),
    );
    const skippedCounts = await sql<{ task: string; skipped: number | string }>(
      "SELECT task, sum(skipped_count) AS skipped FROM schedules GROUP BY task",
    );
    for (const s of skippedCounts)
      expect(metric("schedule_occurrences_skipped_total", ["task"]).get(s.task) ?? 0).toBe(Number(s.skipped));
    expect(nonZero(metric("schedule_fire_lateness_seconds_count", ["task"]))).toEqual(
      perTask((r) => r.occurrence_starts),
    );
    expect(nonZero(metric("job_queue_wait_seconds_count"))).toEqual(nonZero(expected.started!));
    expect(nonZero(metric("job_run_duration_seconds_count"))).toEqual(
      nonZero(new Map(rows.map((r) => [`${r.task}/${r.queue}`, r.attempts - r.running]))),
    );

    const gaugeValue = (name: string) => samples.find((s) => s.name === `taskflow_${name}`)?.value;
    expect(gaugeValue("nodes_live")).toBe(1);
    expect(gaugeValue("maintenance_lease_holders")).toBe(1);
    expect(gaugeValue("maintenance_lease_held")).toBe(1);
    expect(gaugeValue("cluster_stats_up")).toBe(1);
    expect(gaugeValue("queue_depth_capped")).toBe(0);
    expect(gaugeValue("clock_skew_seconds")).toBe(0);
    expect(metric("lease_expiries_total").size).toBeGreaterThan(0);
    expect([...metric("lease_expiries_total").values()].every((v) => v === 0)).toBe(true);

    expectBoundedLabels(samples, new Set(tf.taskNames));
  });

  async function taskRows(now: number): Promise<TaskRow[]> {
    const rows = await sql<Record<keyof TaskRow, string | number | Date | null>>(
      `SELECT task, queue,
         count(*) FILTER (WHERE state <> 'skipped' OR last_error->>'code' = 'DEPENDENCY_SKIPPED') AS created,
         sum(attempt) AS attempts,
         sum((SELECT count(*) FROM jsonb_array_elements(errors) e WHERE e->>'code' <> 'JOB_CANCELLED')) AS failed_attempts,
         count(*) FILTER (WHERE state = 'running') AS running,
         count(*) FILTER (WHERE state = 'queued' AND run_at <= $1) AS ready,
         count(*) FILTER (WHERE state = 'queued' AND run_at > $1) AS delayed,
         min(run_at) FILTER (WHERE state = 'queued' AND run_at <= $1) AS oldest_ready,
         count(*) FILTER (WHERE state <> 'skipped' AND created_at - fire_at > interval '30 seconds') AS caught_up,
         count(*) FILTER (WHERE state = 'skipped' AND fire_at IS NOT NULL) AS skipped,
         count(*) FILTER (WHERE fire_at IS NOT NULL AND attempt > 0) AS occurrence_starts
       FROM jobs GROUP BY task, queue`,
      [new Date(now)],
    );
    return rows.map((r) => ({
      task: String(r.task),
      queue: String(r.queue),
      created: Number(r.created),
      attempts: Number(r.attempts),
      failed_attempts: Number(r.failed_attempts),
      running: Number(r.running),
      ready: Number(r.ready),
      delayed: Number(r.delayed),
      oldest_ready: r.oldest_ready as Date | string | null,
      caught_up: Number(r.caught_up),
      skipped: Number(r.skipped),
      occurrence_starts: Number(r.occurrence_starts),
    }));
  }
});

/** The entries with a value other than 0, sorted: an absent series and a 0 are the same count. */
function nonZero(map: Map<string, number>): [string, number][] {
  return [...map].filter(([, value]) => value !== 0).sort(([a], [b]) => a.localeCompare(b));
}

/** Labels come from a fixed set, and task labels name registered tasks: never a job id. */
function expectBoundedLabels(samples: Sample[], tasks: Set<string>): void {
  for (const sample of samples) {
    if (!sample.name.startsWith("taskflow_")) continue;
    for (const label of Object.keys(sample.labels))
      expect([sample.name, label, LABELS.has(label)]).toEqual([sample.name, label, true]);
    if (sample.labels.task !== undefined) expect(tasks.has(sample.labels.task)).toBe(true);
  }
}
