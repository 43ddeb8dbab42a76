// A concurrency key holds across nodes: three worker processes (four slots each) share one queue
// of jobs for four tenants. Half the jobs carry the key `tenant:<name>` (limit 1), half carry none.
// From the run ledger alone (each run's start and end by the database clock): no two keyed runs
// of one tenant overlapped in time, while the unkeyed runs of a tenant did overlap, which shows
// the nodes really ran a tenant's jobs side by side and that the oracle sees an overlap.
import { afterEach, describe, expect, it } from "vitest";
import { eventually, TEST_DATABASE_URL } from "../support/backends.js";
import { jobFigures, openChaosDatabase, type ChaosDatabase } from "../../chaos/chaos-database.js";
import { ChildWorkers, CHILD_SCRIPTS } from "../../chaos/child-workers.js";
import { keyRunFigures } from "../../chaos/key-runs.js";
import { TENANT_TASK } from "../../chaos/processes/messages.js";
import type { TenantPayload } from "../../chaos/processes/tenant-task.js";

const TENANTS = ["acme", "globex", "initech", "umbrella"];
const JOBS_PER_TENANT = 40;
const WORKERS = 3;
const CONCURRENCY = 4;

describe.skipIf(!TEST_DATABASE_URL)("concurrency keys across worker processes", () => {
  let db: ChaosDatabase | undefined;
  let children: ChildWorkers | undefined;

  afterEach(async ({ task }) => {
    await children?.cleanUp(task.result?.state === "fail");
    await db?.close();
  });

  it("never runs two jobs of one key at once on any of the nodes", async () => {
    db = await openChaosDatabase(TEST_DATABASE_URL as string, "chaos_keys");
    const items = TENANTS.flatMap((tenant) =>
      Array.from({ length: JOBS_PER_TENANT }, (_, n) => {
        const keyed = n % 2 === 0;
        const payload: TenantPayload = { tenant, keyed };
        return { task: TENANT_TASK, payload, options: keyed ? { concurrencyKey: `tenant:${tenant}` } : {} };
      }),
    );
    await db.producer.enqueueMany(items);
    const workers = new ChildWorkers();
    children = workers;
    for (let slot = 0; slot < WORKERS; slot++) {
      workers.spawn(CHILD_SCRIPTS.node, {
        database: db.url,
        schema: db.schema,
        workerId: `w${slot}`,
        concurrency: CONCURRENCY,
        seed: 1_000 + slot,
      });
    }
    const started = Date.now();
    await eventually(
      async () => {
        workers.failIfAnyCrashed();
        return (await jobFigures(db!.pool, TENANT_TASK)).unfinished === 0;
      },
      120_000,
      "every job to finish",
    );
    const durationMs = Date.now() - started;
    await workers.killAll();

    const jobs = await jobFigures(db.pool, TENANT_TASK);
    const keyed = await keyRunFigures(db.pool, true);
    const unkeyed = await keyRunFigures(db.pool, false);
    console.log(JSON.stringify({ test: "concurrency-key-processes", durationMs, jobs, keyed, unkeyed }));

    expect(jobs.succeeded).toBe(items.length);
    expect(keyed.runs).toBe(items.length / 2);
    expect(keyed.overlappingPairs, "keyed runs of one tenant overlapping in time").toBe(0);
    expect(keyed.tenantsOnSeveralWorkers, "each tenant's keyed jobs ran on several nodes").toBe(
      TENANTS.length,
    );
    expect(unkeyed.overlappingPairs, "the control: unkeyed runs of a tenant do overlap").toBeGreaterThan(0);
  }, 180_000);
});
