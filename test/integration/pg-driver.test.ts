// The pg driver's sessions on the real server: what every connection sets, and the claim's own
// connection, which plans its statements once.
import { afterEach, describe, expect, it } from "vitest";
import { PgDriver } from "../../src/store/postgres/drivers/pg-driver.js";
import { FakeClock } from "../../src/time/fake-clock.js";
import { eventually, TEST_DATABASE_URL } from "../support/backends.js";
import { silentLogger } from "../support/store-fixture.js";

interface Session {
  pid: number;
  plan_cache_mode: string;
  jit: string;
  idle_timeout: string;
}

const SESSION = `SELECT pg_backend_pid() AS pid, current_setting('plan_cache_mode') AS plan_cache_mode,
  current_setting('jit') AS jit, current_setting('idle_in_transaction_session_timeout') AS idle_timeout
  WHERE $1::int = 1`;

describe.skipIf(TEST_DATABASE_URL === undefined)("the pg driver on PostgreSQL", () => {
  let driver: PgDriver | undefined;
  afterEach(async () => {
    await driver?.close();
    driver = undefined;
  });

  const open = () =>
    new PgDriver({
      connectionString: TEST_DATABASE_URL!,
      schema: "public",
      clock: new FakeClock(),
      logger: silentLogger,
    });

  it("turns JIT off and bounds idle transactions on every connection, the claim's one included", async () => {
    driver = open();
    const [pooled] = (await driver.query<Session>(SESSION, [1])).rows;
    const [claims] = (await driver.queryWithCachedPlan<Session>(SESSION, [1])).rows;
    for (const session of [pooled, claims]) {
      expect(session).toMatchObject({ jit: "off", idle_timeout: "10s" });
    }
    expect(pooled!.plan_cache_mode).toBe("auto");
    expect(claims!.plan_cache_mode).toBe("force_generic_plan");
  });

  it("runs cached-plan statements on one connection of their own, closed with the driver", async () => {
    driver = open();
    const pids = new Set<number>();
    for (let call = 0; call < 5; call++)
      pids.add((await driver.queryWithCachedPlan<Session>(SESSION, [1])).rows[0]!.pid);
    expect(pids.size).toBe(1);
    const [pid] = [...pids];
    const [pooled] = (await driver.query<Session>(SESSION, [1])).rows;
    expect(pooled!.pid).not.toBe(pid);
    await driver.close();
    driver = undefined;
    // The server process ends once it reads the goodbye; it may still be listed for a moment.
    const probe = open();
    try {
      await eventually(
        async () =>
          (
            await probe.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1", [
              pid,
            ])
          ).rows[0]!.n === "0",
        5_000,
        "the claim connection's server process to end",
      );
    } finally {
      await probe.close();
    }
  });
});
