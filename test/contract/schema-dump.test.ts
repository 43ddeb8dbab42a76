import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { dumpSchema } from "../../src/store/postgres/schema-dump.js";
import { FakeClock } from "../../src/time/fake-clock.js";
import { silentLogger } from "../support/store-fixture.js";

describe("committed schema dump", () => {
  it("matches what the migrations build (run `npm run schema:dump` after adding a migration)", async () => {
    const store = await openStore({ dataDir: "memory://" }, new FakeClock(), silentLogger);
    try {
      const committed = readFileSync(new URL("../../src/store/postgres/schema.sql", import.meta.url), "utf8");
      expect(await dumpSchema(store.driver, "taskflow")).toBe(committed);
    } finally {
      await store.close();
    }
  });
});
