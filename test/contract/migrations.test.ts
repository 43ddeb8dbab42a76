import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { loadMigrations } from "../../src/store/postgres/sql-files.js";
import { FakeClock } from "../../src/time/fake-clock.js";
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from "../support/backends.js";
import { silentLogger } from "../support/store-fixture.js";

describe("migrations", () => {
  it("are numbered without gaps from 0001", () => {
    expect(loadMigrations().map((m) => m.version)).toEqual(loadMigrations().map((_, i) => i + 1));
  });

  describe.skipIf(TEST_DATABASE_URL === undefined)("on the PostgreSQL server", () => {
    const schema = uniqueSchema("mig");
    afterAll(() => dropSchema(schema));

    it("apply exactly once when several nodes start at the same moment", async () => {
      const stores = await Promise.all(
        Array.from({ length: 5 }, () =>
          openStore({ database: TEST_DATABASE_URL, schema }, new FakeClock(), silentLogger),
        ),
      );
      try {
        const { rows } = await stores[0]!.driver.query<{ version: number }>(
          "SELECT version FROM taskflow_migrations ORDER BY version",
        );
        expect(rows.map((r) => r.version)).toEqual(loadMigrations().map((m) => m.version));
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });
  });
});
