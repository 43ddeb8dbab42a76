import { afterAll, describe, expect, it } from "vitest";
import { resolveSchedule } from "../../src/scheduler/schedule-spec.js";
import { openStore } from "../../src/store/open-store.js";
import { FakeClock } from "../../src/time/fake-clock.js";
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from "../support/backends.js";
import { silentLogger } from "../support/store-fixture.js";

describe.skipIf(TEST_DATABASE_URL === undefined)("schedule upsert on the PostgreSQL server", () => {
  const schema = uniqueSchema("ups");
  afterAll(() => dropSchema(schema));

  it("creates a schedule once when several replicas upsert it at the same moment", async () => {
    const clock = new FakeClock();
    const stores = await Promise.all(
      Array.from({ length: 6 }, () =>
        openStore({ database: TEST_DATABASE_URL, schema, poolSize: 2 }, clock, silentLogger),
      ),
    );
    try {
      const schedule = resolveSchedule("boot", { task: "t", every: "1s" }, clock.now());
      const results = await Promise.all(
        stores.map((store) => store.schedules.upsert(schedule, clock.now() + 1000, clock.now(), "replica")),
      );
      expect(results.map((r) => r.change).sort()).toEqual([
        "created",
        "unchanged",
        "unchanged",
        "unchanged",
        "unchanged",
        "unchanged",
      ]);
      expect((await stores[0]!.schedules.history("boot")).map((h) => h.action)).toEqual(["created"]);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});
