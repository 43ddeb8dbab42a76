// enqueue(…, { tx }): a job enqueued inside the application's own pg transaction exists only if
// that transaction commits. Needs a PostgreSQL server (the application's connection is a real
// pg client); on PGlite the option is refused.
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../../src/index.js";
import { backends, TEST_DATABASE_URL } from "../../support/backends.js";
import { openTestTaskFlow, until, type TaskFlowFixture } from "../../support/taskflow-fixture.js";

const postgres = backends.find((backend) => backend.name === "postgres");
const pglite = backends.find((backend) => backend.name === "pglite");

describe.skipIf(postgres === undefined)("enqueue inside the application's transaction (PostgreSQL)", () => {
  let f: TaskFlowFixture | undefined;
  let app: pg.Pool | undefined;
  afterEach(async () => {
    await app?.query("DROP TABLE IF EXISTS public.tx_orders_test").catch(() => undefined);
    await app?.end();
    await f?.close();
    f = undefined;
    app = undefined;
  });

  async function open() {
    f = await openTestTaskFlow(postgres!, { worker: { pollInterval: "1s" } });
    // The application's own pool: default search_path, no TaskFlow schema on it.
    app = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
    await app.query("DROP TABLE IF EXISTS public.tx_orders_test");
    await app.query("CREATE TABLE public.tx_orders_test (id int PRIMARY KEY)");
    const receipts: number[] = [];
    const receipt = f.tf.task<{ orderId: number }>("send-receipt", {
      run: (ctx) => {
        receipts.push(ctx.payload.orderId);
      },
    });
    return { tf: f.tf, app, receipt, receipts };
  }

  it("runs the job of a committed transaction and never the job of a rolled-back one", async () => {
    const { tf, app, receipt, receipts } = await open();
    const client = await app.connect();
    try {
      await client.query("BEGIN");
      await client.query("INSERT INTO public.tx_orders_test (id) VALUES (1)");
      const kept = await tf.enqueue(receipt, { orderId: 1 }, { tx: client });
      await client.query("COMMIT");

      await client.query("BEGIN");
      await client.query("INSERT INTO public.tx_orders_test (id) VALUES (2)");
      const dropped = await tf.enqueue(receipt, { orderId: 2 }, { tx: client });
      // Not visible outside the transaction before it commits.
      expect(await tf.getJob(dropped.id)).toBeNull();
      await client.query("ROLLBACK");

      expect(kept.created).toBe(true);
      expect(await tf.getJob(dropped.id)).toBeNull();
      await tf.start();
      await until(async () => (await tf.getJob(kept.id))?.state === "succeeded", "the committed job ran");
      for (let poll = 0; poll < 3; poll++) await f!.clock.advance(1_000);
      expect(receipts).toEqual([1]);
      expect((await tf.listJobs({ task: "send-receipt" })).map((job) => job.id)).toEqual([kept.id]);
    } finally {
      client.release();
    }
  });

  it("leaves the application's search_path and transaction as they were, even when the enqueue fails", async () => {
    const { tf, app, receipt } = await open();
    const client = await app.connect();
    try {
      await client.query("BEGIN");
      const searchPath = async () =>
        (await client.query<{ path: string }>("SELECT current_setting('search_path') AS path")).rows[0]?.path;
      const before = await searchPath();
      // An enqueue the database fails (here: the jobs table locked by another session past the
      // application's lock_timeout) is undone alone; the application's transaction goes on.
      const locker = await app.connect();
      try {
        await locker.query("BEGIN");
        await locker.query(`LOCK TABLE "${f!.schema}".jobs IN ACCESS EXCLUSIVE MODE`);
        await client.query("SET LOCAL lock_timeout = '100ms'");
        await expect(tf.enqueue(receipt, { orderId: 4 }, { tx: client })).rejects.toThrow(/lock timeout/);
        await locker.query("ROLLBACK");
      } finally {
        locker.release();
      }
      expect(await searchPath()).toBe(before);
      await tf.enqueue(receipt, { orderId: 3 }, { tx: client });
      expect(await searchPath()).toBe(before);
      await client.query("INSERT INTO public.tx_orders_test (id) VALUES (3)");
      await client.query("COMMIT");
      expect((await tf.listJobs({ task: "send-receipt" })).map((job) => job.payload)).toEqual([
        { orderId: 3 },
      ]);
    } finally {
      client.release();
    }
  });

  it("refuses a connection that is not inside a transaction, writing nothing", async () => {
    const { tf, app, receipt } = await open();
    const client = await app.connect();
    try {
      await expect(tf.enqueue(receipt, { orderId: 5 }, { tx: client })).rejects.toMatchObject({
        code: ErrorCode.InvalidOption,
        details: { option: "tx" },
      });
      expect(await tf.listJobs({ task: "send-receipt" })).toEqual([]);
    } finally {
      client.release();
    }
  });
});

describe.skipIf(pglite === undefined)("enqueue with tx on the embedded database", () => {
  let f: TaskFlowFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it("is refused with INVALID_OPTION: the embedded database has no other connection", async () => {
    f = await openTestTaskFlow(pglite!);
    const task = f.tf.task("noop", { run: () => undefined });
    const tx = { query: () => Promise.resolve({ rows: [] }) };
    await expect(f.tf.enqueue(task, {}, { tx })).rejects.toMatchObject({
      code: ErrorCode.InvalidOption,
      details: { option: "tx" },
    });
  });
});
