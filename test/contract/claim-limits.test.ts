// The store's side of concurrency keys and rate limits: what one claim, or many claims racing on
// separate connections, may take. The worker-level behaviour is in integration/flow/claim-limits.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import type { ClaimedJob } from "../../src/domain/job.js";
import { loadQuery } from "../../src/store/postgres/sql-files.js";
import type { TaskClaim } from "../../src/store/store.js";
import { TEST_DATABASE_URL, backends, eventually } from "../support/backends.js";
import { claimAll, newJob, openTestStore, type StoreFixture } from "../support/store-fixture.js";

const NOW = Date.UTC(2030, 0, 1);
/** The rate-limit bucket of each job, sorted: its key, or "(task)" for the task's own. */
const buckets = (jobs: ClaimedJob[]) => jobs.map((job) => job.rateLimitKey ?? "(task)").sort();

describe.each(backends)("claim limits on $name", (backend) => {
  let f: StoreFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  const claimAs = (workerId: string, tasks: TaskClaim[], limit = 100) =>
    f!.store.claim({ workerId, now: f!.clock.now(), leaseMs: 30_000, tasks, queues: null, limit });

  async function enqueue(count: number, task: string, options: Parameters<typeof newJob>[2]) {
    const now = f!.clock.now();
    return f!.store.enqueue(
      Array.from({ length: count }, (_, n) => newJob(task, { n }, options, now)),
      now,
    );
  }

  it("lets twelve claims racing for one key take exactly the key's limit between them", async () => {
    f = await openTestStore(backend);
    await f.clock.set(NOW);
    await enqueue(30, "sync", { concurrencyKey: "tenant:1" });
    await enqueue(30, "sync", { concurrencyKey: "tenant:2" });
    const claims = await Promise.all(
      Array.from({ length: 12 }, (_, n) =>
        claimAs(`w${n}`, [{ ...claimAll("sync", 5), concurrencyKeyLimit: 2 }], 5),
      ),
    );
    const claimed = claims.flat();
    const byKey = new Map<string, number>();
    for (const job of claimed) byKey.set(job.concurrencyKey!, (byKey.get(job.concurrencyKey!) ?? 0) + 1);
    expect(Object.fromEntries(byKey)).toEqual({ "tenant:1": 2, "tenant:2": 2 });
    expect(new Set(claimed.map((job) => job.id)).size).toBe(4);
  });

  it("counts running jobs of a key across tasks, and frees the place when one finishes", async () => {
    f = await openTestStore(backend);
    await f.clock.set(NOW);
    await enqueue(2, "export", { concurrencyKey: "tenant:7" });
    await enqueue(2, "import", { concurrencyKey: "tenant:7" });
    const tasks = [claimAll("export"), claimAll("import")];
    const [first, ...others] = await claimAs("w1", tasks);
    expect(others).toEqual([]);
    expect(await claimAs("w2", tasks)).toEqual([]);
    expect(await f.store.complete([{ id: first!.id, fence: first!.fence, resultJson: "null" }], NOW)).toEqual(
      new Set([first!.id]),
    );
    expect(await claimAs("w2", tasks)).toHaveLength(1);
  });

  it("claims unkeyed jobs beside keyed ones, and keyed jobs of a full key never block other keys", async () => {
    f = await openTestStore(backend);
    await f.clock.set(NOW);
    await enqueue(40, "sync", { concurrencyKey: "tenant:busy" });
    await enqueue(3, "sync", { concurrencyKey: "tenant:quiet" });
    await enqueue(3, "sync", {});
    const first = await claimAs("w1", [claimAll("sync", 10)], 10);
    // One per key (limit 1), and every unkeyed job.
    expect(first.map((job) => job.concurrencyKey).sort()).toEqual([
      null,
      null,
      null,
      "tenant:busy",
      "tenant:quiet",
    ]);
    const second = await claimAs("w2", [claimAll("sync", 10)], 10);
    expect(second).toEqual([]);
  });

  it("starts at most max attempts per sliding window, per task or per rate-limit key", async () => {
    f = await openTestStore(backend);
    await f.clock.set(NOW);
    await enqueue(5, "call", {});
    await enqueue(3, "call", { rateLimitKey: "host-a" });
    const rated: TaskClaim = { ...claimAll("call"), rateLimit: { max: 2, perMs: 60_000 } };
    const first = await claimAs("w1", [rated]);
    expect(buckets(first)).toEqual(["(task)", "(task)", "host-a", "host-a"]);
    await f.clock.set(NOW + 59_999);
    expect(await claimAs("w1", [rated])).toEqual([]);
    expect(await f.store.nextClaimLimitChange(f.clock.now())).toBe(NOW + 60_000);
    await f.clock.set(NOW + 60_000);
    expect(buckets(await claimAs("w1", [rated]))).toEqual(["(task)", "(task)", "host-a"]);
  });

  it("lets racing claims start no more than a rate limit allows", async () => {
    f = await openTestStore(backend);
    await f.clock.set(NOW);
    await enqueue(60, "call", {});
    await enqueue(60, "call", { rateLimitKey: "host-a" });
    const rated: TaskClaim = { ...claimAll("call", 2), rateLimit: { max: 7, perMs: 1_000 } };
    const claims = await Promise.all(Array.from({ length: 16 }, (_, n) => claimAs(`w${n}`, [rated], 2)));
    expect(buckets(claims.flat())).toEqual([
      ...Array<string>(7).fill("(task)"),
      ...Array<string>(7).fill("host-a"),
    ]);
  });

  it("lets exactly one of many racing claims through an open breaker as its probe, then none while it runs", async () => {
    f = await openTestStore(backend);
    await enqueue(20, "charge", {});
    const open = await f.store.recordCircuitOutcome({
      breaker: "task:charge",
      task: "charge",
      succeeded: false,
      now: NOW,
      consecutiveFailures: 1,
      openForMs: 30_000,
      error: null,
    });
    expect(open).toEqual({ previousState: null, state: "open", consecutiveFailures: 1 });
    const guarded: TaskClaim = { ...claimAll("charge", 5), circuitBreaker: true };
    expect(await claimAs("w0", [guarded])).toEqual([]);
    expect(await f.store.nextClaimLimitChange(NOW)).toBe(NOW + 30_000);
    await f.clock.set(NOW + 30_000);
    const claims = await Promise.all(Array.from({ length: 8 }, (_, n) => claimAs(`w${n}`, [guarded], 5)));
    const [probe, ...others] = claims.flat();
    expect(others).toEqual([]);
    expect((await f.store.listCircuitBreakers())[0]).toMatchObject({
      state: "half_open",
      probeJobId: probe!.id,
    });
    expect(await claimAs("w9", [guarded])).toEqual([]);
    // The probe's worker gives it back (or dies and its lease expires): a new probe may go.
    expect(await f.store.release([{ id: probe!.id, fence: probe!.fence }], NOW + 30_000)).toEqual(
      new Set([probe!.id]),
    );
    const [secondProbe, ...more] = await claimAs("w9", [guarded]);
    expect(more).toEqual([]);
    expect((await f.store.listCircuitBreakers())[0]).toMatchObject({
      state: "half_open",
      probeJobId: secondProbe!.id,
    });
    const closed = await f.store.recordCircuitOutcome({
      breaker: "task:charge",
      task: "charge",
      succeeded: true,
      now: NOW + 30_000,
      consecutiveFailures: 1,
      openForMs: 30_000,
      error: null,
    });
    expect(closed).toEqual({ previousState: "half_open", state: "closed", consecutiveFailures: 0 });
    expect(await claimAs("w9", [{ ...guarded, limit: 100 }], 100)).toHaveLength(19);
  });

  it("lets no second probe through between a probe's end and its outcome's count, unless never counted", async () => {
    f = await openTestStore(backend);
    await f.clock.set(NOW);
    await enqueue(5, "charge", {});
    const outcome = (succeeded: boolean) =>
      f!.store.recordCircuitOutcome({
        breaker: "task:charge",
        task: "charge",
        succeeded,
        now: f!.clock.now(),
        consecutiveFailures: 1,
        openForMs: 30_000,
        error: null,
      });
    await outcome(false);
    const guarded: TaskClaim = { ...claimAll("charge", 5), circuitBreaker: true };
    await f.clock.set(NOW + 30_000);
    const [probe] = await claimAs("w1", [guarded]);
    // The worker writes the probe's outcome, then counts it against the breaker: a claim in
    // between still finds the breaker half-open, and must not take that for a free one.
    await f.store.complete([{ id: probe!.id, fence: probe!.fence, resultJson: "null" }], f.clock.now());
    expect(await claimAs("w2", [guarded])).toEqual([]);
    expect(await outcome(true)).toMatchObject({ previousState: "half_open", state: "closed" });
    expect(await claimAs("w2", [guarded])).toHaveLength(4);

    // A probe whose worker died between the two writes: the breaker waits one lease, then lets
    // another probe through.
    await enqueue(3, "charge", {});
    await outcome(false);
    await f.clock.set(NOW + 60_000);
    const [second] = await claimAs("w3", [guarded]);
    await f.store.complete([{ id: second!.id, fence: second!.fence, resultJson: "null" }], f.clock.now());
    await f.clock.set(NOW + 60_000 + 29_999);
    expect(await claimAs("w4", [guarded])).toEqual([]);
    await f.clock.set(NOW + 60_000 + 30_000);
    expect(await claimAs("w4", [guarded])).toHaveLength(1);
  });

  it("prunes rate-limit grants once their window has passed", async () => {
    f = await openTestStore(backend);
    await f.clock.set(NOW);
    await enqueue(3, "call", {});
    await claimAs("w1", [{ ...claimAll("call"), rateLimit: { max: 3, perMs: 1_000 } }]);
    expect(await f.store.maintenance.pruneRateLimitGrants(NOW + 999, 100)).toBe(0);
    expect(await f.store.maintenance.pruneRateLimitGrants(NOW + 1_000, 2)).toBe(2);
    expect(await f.store.maintenance.pruneRateLimitGrants(NOW + 1_000, 100)).toBe(1);
    expect(await f.store.nextClaimLimitChange(NOW)).toBeNull();
  });
});

// Needs a second connection holding a claim's transaction open, so it runs on the real server only.
const postgres = backends.find((backend) => backend.name === "postgres");

describe.skipIf(postgres === undefined)("a circuit breaker's outcome and a claim in flight", () => {
  let f: StoreFixture | undefined;
  let claim: pg.Client | undefined;
  afterEach(async () => {
    await claim?.query("ROLLBACK").catch(() => undefined);
    await claim?.end();
    await f?.close();
    f = claim = undefined;
  });

  it("waits for a claim holding the breaker's lock to commit before it opens the breaker", async () => {
    f = await openTestStore(postgres!);
    // The lock is per database, not per schema: a breaker name no other test uses.
    const breaker = `task:charge-${randomBytes(4).toString("hex")}`;
    claim = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await claim.connect();
    await claim.query("BEGIN");
    // What the limited claim's second statement does for a job behind this breaker.
    await claim.query(loadQuery("lock_claim_keys"), [[`b:${breaker}`]]);

    let settled = false;
    const recorded = f.store
      .recordCircuitOutcome({
        breaker,
        task: "charge",
        succeeded: false,
        now: NOW,
        consecutiveFailures: 1,
        openForMs: 30_000,
        error: {
          code: "HANDLER_FAILED",
          name: "Error",
          message: "payment provider unavailable",
          attempt: 1,
          at: new Date(NOW).toISOString(),
        },
      })
      .finally(() => {
        settled = true;
      });
    // Inside a transaction the server reads pg_stat_activity once and keeps it: clear it each look.
    await eventually(
      async () =>
        (await claim!.query("SELECT pg_stat_clear_snapshot()")) &&
        (
          await claim!.query(
            `SELECT 1 FROM pg_stat_activity
             WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' AND pid <> pg_backend_pid() AND query LIKE '%lock_claim_keys%'`,
          )
        ).rowCount! > 0,
      10_000,
      "the outcome waiting on the breaker's lock",
    );
    expect(settled).toBe(false);
    expect(await f.store.listCircuitBreakers()).toEqual([]);

    await claim.query("COMMIT");
    expect(await recorded).toEqual({ previousState: null, state: "open", consecutiveFailures: 1 });
  });
});
