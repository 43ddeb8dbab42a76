// A schedule row locked by another node (its fire transaction running, or the node frozen while
// holding it) must not make the fire loop spin: it looks again with a backoff from 10 ms to
// 500 ms, and fires the occurrence as soon as the lock is gone. Needs two connections, so it
// runs on the real PostgreSQL only.
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { TEST_DATABASE_URL, backends } from "../support/backends.js";
import { occurrencesOf } from "../support/schedule-fixture.js";
import { openTestTaskFlow, until, type TaskFlowFixture } from "../support/taskflow-fixture.js";

const postgres = backends.find((backend) => backend.name === "postgres");

describe.skipIf(postgres === undefined)("the fire loop and a schedule locked by another node", () => {
  let f: TaskFlowFixture | undefined;
  let holder: pg.Client | undefined;
  afterEach(async () => {
    await holder?.query("ROLLBACK").catch(() => undefined);
    await holder?.end();
    await f?.close();
    f = undefined;
    holder = undefined;
  });

  it("backs off while the row stays locked, then fires once it is released", async () => {
    f = await openTestTaskFlow(postgres!, { scheduler: { pollInterval: "1h" } });
    f.tf.task("tick", { run: () => undefined });
    await f.tf.schedule("locked", { task: "tick", every: "1s" });
    const schema = f.schema as string;
    holder = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await holder.connect();
    await holder.query("BEGIN");
    await holder.query(`SELECT 1 FROM "${schema}".schedules WHERE id = 'locked' FOR UPDATE`);

    let passes = 0;
    const fireDue = f.tf.store.schedules.fireDue.bind(f.tf.store.schedules);
    f.tf.store.schedules.fireDue = (request, plan) => {
      passes += 1;
      return fireDue(request, plan);
    };
    await f.tf.start();
    // Two seconds of fake time in 10 ms steps while the row is locked: without a backoff the
    // loop would look 200 times; with it, about a dozen.
    for (let moved = 0; moved < 2_000; moved += 10) {
      await f.clock.advance(10);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(await occurrencesOf(f.tf, "locked")).toEqual([]);
    expect(passes).toBeGreaterThan(2);
    expect(passes).toBeLessThan(30);

    await holder.query("ROLLBACK");
    for (let moved = 0; moved < 1_000 && (await occurrencesOf(f.tf, "locked")).length === 0; moved += 100) {
      await f.clock.advance(100);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await until(
      async () => (await occurrencesOf(f!.tf, "locked")).length > 0,
      "the occurrence after release",
    );
  });
});
