import { afterEach, describe, expect, it } from "vitest";
import {
  ErrorCode,
  InvalidInputError,
  PermanentError,
  type SagaDefinition,
  type SqlClient,
  type TaskFlow,
} from "../../../src/index.js";
import { backends } from "../../support/backends.js";
import {
  aborted,
  advanceUntil,
  openTestTaskFlow,
  until,
  type TaskFlowFixture,
} from "../../support/taskflow-fixture.js";

const driverOf = (tf: TaskFlow) =>
  (
    tf.store as unknown as {
      driver: { query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }> };
    }
  ).driver;

interface Transfer {
  from: string;
  to: string;
  amount: number;
}

const move = async (tx: SqlClient, account: string, delta: number): Promise<void> => {
  await tx.query("UPDATE saga_accounts SET balance = balance + $2 WHERE id = $1", [account, delta]);
};
const record = (tx: SqlClient, job: string, entry: string) =>
  tx.query("INSERT INTO saga_ledger (job, entry) VALUES ($1, $2)", [job, entry]);

/**
 * A four-step transfer: hold the amount, debit the payer, credit the payee, confirm. Every
 * step and every compensation writes through its transaction, so its effect and its record
 * commit together. `failAt` names the step that fails for good.
 */
function transfer(
  failAt: string | null,
  extra: Partial<SagaDefinition<Transfer>> = {},
): SagaDefinition<Transfer> {
  const step = (
    name: string,
    run: (tx: SqlClient, p: Transfer, job: string) => Promise<unknown>,
    undo: typeof run,
  ) => ({
    name,
    transactional: true as const,
    run: async (ctx: { payload: Transfer; job: { id: string } }, tx: SqlClient) => {
      await record(tx, ctx.job.id, name);
      if (name === failAt) throw new PermanentError(`${name} refused`);
      return run(tx, ctx.payload, ctx.job.id);
    },
    compensate: async (ctx: { payload: Transfer; job: { id: string } }, tx: SqlClient) => {
      await record(tx, ctx.job.id, `undo ${name}`);
      await undo(tx, ctx.payload, ctx.job.id);
    },
  });
  return {
    maxAttempts: 3,
    retry: { kind: "fixed", delay: "1s" },
    ...extra,
    steps: [
      step(
        "hold",
        (tx, p) => move(tx, p.from, 0).then(() => ({ held: p.amount })),
        () => Promise.resolve(undefined),
      ),
      step(
        "debit",
        (tx, p) => move(tx, p.from, -p.amount),
        (tx, p) => move(tx, p.from, p.amount),
      ),
      step(
        "credit",
        (tx, p) => move(tx, p.to, p.amount),
        (tx, p) => move(tx, p.to, -p.amount),
      ),
      step(
        "confirm",
        () => Promise.resolve("confirmed"),
        () => Promise.resolve(undefined),
      ),
    ],
  };
}

describe.each(backends)("sagas on $name", (backend) => {
  let f: TaskFlowFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });
  const state = async (id: string) => (await f!.tf.getJob(id))?.state;
  const settled = (id: string, wanted: string) =>
    until(async () => (await state(id)) === wanted, `job ${wanted}`);

  async function openBank(options: Parameters<typeof openTestTaskFlow>[1] = {}) {
    f = await openTestTaskFlow(backend, { worker: { pollInterval: "1h" }, ...options });
    const db = driverOf(f.tf);
    await db.query("CREATE TABLE saga_accounts (id text PRIMARY KEY, balance int NOT NULL)");
    await db.query(
      "CREATE TABLE saga_ledger (seq serial PRIMARY KEY, job text NOT NULL, entry text NOT NULL)",
    );
    await db.query("INSERT INTO saga_accounts VALUES ('alice', 100), ('bob', 50)");
    return db;
  }
  const balances = async (db: ReturnType<typeof driverOf>) =>
    Object.fromEntries(
      (
        (await db.query("SELECT id, balance FROM saga_accounts ORDER BY id")).rows as {
          id: string;
          balance: number;
        }[]
      ).map((r) => [r.id, r.balance]),
    );
  const ledger = async (db: ReturnType<typeof driverOf>, job: string) =>
    (
      (await db.query("SELECT entry FROM saga_ledger WHERE job = $1 ORDER BY seq", [job])).rows as {
        entry: string;
      }[]
    ).map((r) => r.entry);

  it("completes every step in order when nothing fails", async () => {
    const db = await openBank();
    const saga = f!.tf.saga("transfer", transfer(null));
    await f!.tf.start();
    const job = await f!.tf.enqueue(saga, { from: "alice", to: "bob", amount: 30 });
    await settled(job.id, "succeeded");
    expect(await balances(db)).toEqual({ alice: 70, bob: 80 });
    expect(await ledger(db, job.id)).toEqual(["hold", "debit", "credit", "confirm"]);
    expect((await f!.tf.getJob(job.id))!.result).toEqual({
      hold: { held: 30 },
      debit: null,
      credit: null,
      confirm: "confirmed",
    });
  });

  it("undoes the completed steps newest first when step 3 fails for good, leaving balances unchanged", async () => {
    const db = await openBank();
    const saga = f!.tf.saga("transfer", transfer("credit"));
    await f!.tf.start();
    const job = await f!.tf.enqueue(saga, { from: "alice", to: "bob", amount: 30 });
    await settled(job.id, "compensated");
    // The failing step's own write rolled back with it; step 4 never ran.
    expect(await ledger(db, job.id)).toEqual(["hold", "debit", "undo debit", "undo hold"]);
    expect(await balances(db)).toEqual({ alice: 100, bob: 50 });
    expect((await f!.tf.jobSteps(job.id)).map((s) => s.name)).toEqual([
      "hold",
      "debit",
      "compensate:debit",
      "compensate:hold",
    ]);
    const done = (await f!.tf.getJob(job.id))!;
    // The forward failure stays on record beside the compensation's success.
    expect(
      (await f!.tf.jobAttempts(job.id))!.map((a) => [a.outcome, a.compensation, a.error?.message]),
    ).toEqual([
      ["failed", false, "credit refused"],
      ["compensated", true, undefined],
    ]);
    expect(done.finishedAt).not.toBeNull();
    // The worker counts a transition once the store has accepted it: a moment after it is visible.
    const counted = () => f!.tf.metrics.getSingleMetricAsString("taskflow_saga_transitions_total");
    await until(
      async () =>
        (await counted()).includes(
          'taskflow_saga_transitions_total{task="transfer",queue="default",state="compensated"} 1',
        ),
      "the compensated transition counted",
    );
    expect(await counted()).toContain(
      'taskflow_saga_transitions_total{task="transfer",queue="default",state="compensating"} 1',
    );
  });

  it("retries a forward step without re-running the completed ones, then compensates once the attempts are spent", async () => {
    const db = await openBank();
    const calls: string[] = [];
    const saga = f!.tf.saga<Transfer>("flaky", {
      maxAttempts: 2,
      retry: { kind: "fixed", delay: "1s" },
      steps: [
        {
          name: "debit",
          transactional: true,
          run: async (ctx, tx) => {
            calls.push(`debit@${ctx.attempt}`);
            await move(tx, ctx.payload.from, -ctx.payload.amount);
          },
          compensate: async (ctx, tx) => {
            calls.push(`undo debit@${ctx.attempt}`);
            await move(tx, ctx.payload.from, ctx.payload.amount);
          },
        },
        {
          name: "call-bank",
          run: (ctx) => {
            calls.push(`call-bank@${ctx.attempt}`);
            throw new Error("bank unreachable");
          },
          compensate: () => calls.push("undo call-bank"),
        },
      ],
    });
    await f!.tf.start();
    const job = await f!.tf.enqueue(saga, { from: "alice", to: "bob", amount: 10 });
    await until(
      async () => (await f!.tf.getJob(job.id))?.lastError?.message === "bank unreachable",
      "attempt 1 failed",
    );
    expect(await state(job.id)).toBe("queued");
    expect(await balances(db)).toEqual({ alice: 90, bob: 50 });
    await advanceUntil(
      f!.clock,
      1_000,
      5_000,
      async () => (await state(job.id)) === "compensated",
      "compensated",
    );
    // The step that never completed is not compensated; the debit is, once.
    expect(calls).toEqual(["debit@1", "call-bank@1", "call-bank@2", "undo debit@1"]);
    expect(await balances(db)).toEqual({ alice: 100, bob: 50 });
  });

  it("retries a failing compensation on its backoff, and skips the compensations already done", async () => {
    const db = await openBank();
    let undoCredit = 0;
    let undoDebit = 0;
    const saga = f!.tf.saga<Transfer>("stubborn", {
      retry: { kind: "fixed", delay: "2s" },
      compensation: { maxAttempts: 5, retry: { kind: "fixed", delay: "10s" } },
      steps: [
        {
          name: "debit",
          transactional: true,
          run: (ctx, tx) => move(tx, ctx.payload.from, -ctx.payload.amount),
          compensate: async (ctx, tx) => {
            undoDebit++;
            if (ctx.attempt < 3) throw new Error(`ledger locked (${ctx.attempt})`);
            await move(tx, ctx.payload.from, ctx.payload.amount);
          },
        },
        {
          name: "credit",
          transactional: true,
          run: (ctx, tx) => move(tx, ctx.payload.to, ctx.payload.amount),
          compensate: async (ctx, tx) => {
            undoCredit++;
            await move(tx, ctx.payload.to, -ctx.payload.amount);
          },
        },
        {
          name: "settle",
          run: () => Promise.reject(new PermanentError("settlement refused")),
          irreversible: true,
        },
      ],
    });
    await f!.tf.start();
    const job = await f!.tf.enqueue(saga, { from: "alice", to: "bob", amount: 25 });
    await until(
      async () => (await f!.tf.getJob(job.id))?.lastError?.message === "ledger locked (1)",
      "undo 1 failed",
    );
    const waiting = (await f!.tf.getJob(job.id))!;
    expect(waiting).toMatchObject({ state: "compensating", attempt: 1, maxAttempts: 5 });
    expect(waiting.runAt.getTime()).toBe(f!.clock.now() + 10_000);
    expect(await balances(db)).toEqual({ alice: 75, bob: 50 });

    await f!.clock.advance(9_999);
    expect((await f!.tf.getJob(job.id))!.attempt).toBe(1);
    await advanceUntil(
      f!.clock,
      1_000,
      30_000,
      async () => (await state(job.id)) === "compensated",
      "compensated",
    );
    expect({ undoCredit, undoDebit }).toEqual({ undoCredit: 1, undoDebit: 3 });
    expect(await balances(db)).toEqual({ alice: 100, bob: 50 });
    expect((await f!.tf.jobAttempts(job.id))!.map((a) => a.error?.message ?? a.outcome)).toEqual([
      "settlement refused",
      "ledger locked (1)",
      "ledger locked (2)",
      "compensated",
    ]);
  });

  it("marks the saga compensation_failed once its compensation attempts are spent", async () => {
    await openBank();
    const saga = f!.tf.saga<Transfer>("stuck", {
      compensation: { maxAttempts: 2, retry: { kind: "fixed", delay: "1s" } },
      steps: [
        {
          name: "reserve",
          run: () => "r-1",
          compensate: () => Promise.reject(new Error("inventory service down")),
        },
        { name: "pay", run: () => Promise.reject(new PermanentError("card declined")), irreversible: true },
      ],
    });
    await f!.tf.start();
    const job = await f!.tf.enqueue(saga, { from: "alice", to: "bob", amount: 1 });
    await until(
      async () => (await f!.tf.getJob(job.id))?.lastError?.message === "inventory service down",
      "first undo failed",
    );
    // The retry's timer is armed when the failure is written: step until it has fired.
    await advanceUntil(
      f!.clock,
      1_000,
      5_000,
      async () => (await state(job.id)) === "compensation_failed",
      "compensation_failed",
    );
    const failed = (await f!.tf.getJob(job.id))!;
    expect(failed.lastError).toMatchObject({ message: "inventory service down", attempt: 2 });
    expect(failed.finishedAt).not.toBeNull();
    // Only the forward step's record exists: the compensation never completed.
    expect((await f!.tf.jobSteps(job.id)).map((s) => s.name)).toEqual(["reserve"]);
    // A person can see it in the failed listing and decide; nothing is re-run by itself.
    await f!.clock.advance(60_000);
    expect(await state(job.id)).toBe("compensation_failed");
  });

  it("passes over irreversible steps and gives each compensation the step's result", async () => {
    await openBank();
    const seen: unknown[] = [];
    const saga = f!.tf.saga<Transfer>("booking", {
      steps: [
        {
          name: "book",
          run: () => ({ booking: "B-7" }),
          compensate: (ctx) => void seen.push(["cancel", ctx.result]),
        },
        { name: "email", run: () => "sent", irreversible: true },
        {
          name: "charge",
          run: () => Promise.reject(new PermanentError("no funds")),
          compensate: () => seen.push("never"),
        },
      ],
    });
    await f!.tf.start();
    const job = await f!.tf.enqueue(saga, { from: "alice", to: "bob", amount: 1 });
    await settled(job.id, "compensated");
    expect(seen).toEqual([["cancel", { booking: "B-7" }]]);
    expect((await f!.tf.jobSteps(job.id)).map((s) => s.name)).toEqual(["book", "email", "compensate:book"]);
  });

  it("compensates a running saga that is cancelled", async () => {
    const db = await openBank();
    const saga = f!.tf.saga<Transfer>("slow", {
      steps: [
        {
          name: "debit",
          transactional: true,
          run: (ctx, tx) => move(tx, ctx.payload.from, -ctx.payload.amount),
          compensate: (ctx, tx) => move(tx, ctx.payload.from, ctx.payload.amount),
        },
        { name: "wait-for-bank", run: (ctx) => aborted(ctx.signal), irreversible: true },
      ],
    });
    await f!.tf.start();
    const job = await f!.tf.enqueue(saga, { from: "alice", to: "bob", amount: 40 });
    await until(async () => (await f!.tf.jobSteps(job.id)).length === 1, "debit done");
    await until(async () => (await state(job.id)) === "running", "running");
    await f!.tf.cancel(job.id);
    await advanceUntil(
      f!.clock,
      1_000,
      30_000,
      async () => (await state(job.id)) === "compensated",
      "compensated",
    );
    expect(await balances(db)).toEqual({ alice: 100, bob: 50 });
  });

  it("compensates the saga of a worker that died on its last attempt", async () => {
    const db = await openBank({ worker: { pollInterval: "1h", leaseDuration: "30s", reapInterval: "1s" } });
    const saga = f!.tf.saga("transfer", transfer("credit", { maxAttempts: 1 }));
    const job = await f!.tf.enqueue(saga, { from: "alice", to: "bob", amount: 30 });
    // A node that claims the saga, completes its first two steps, and dies without a word.
    const [claimed] = await f!.tf.store.claim({
      workerId: "dead-node",
      now: f!.clock.now(),
      leaseMs: 30_000,
      tasks: [{ task: "transfer", limit: 1, maxAttempts: 1, timeoutMs: null, saga: true }],
      queues: null,
      limit: 1,
    });
    expect(claimed!.id).toBe(job.id);
    const lease = { id: job.id, fence: claimed!.fence };
    expect(await f!.tf.store.sagas.markSaga(lease, 10)).toBe(true);
    await db.query("UPDATE saga_accounts SET balance = balance - 30 WHERE id = 'alice'");
    for (const name of ["hold", "debit"]) {
      await db.query("INSERT INTO saga_ledger (job, entry) VALUES ($1, $2)", [job.id, name]);
      await f!.tf.store.flow.recordStep(lease, name, "null", f!.clock.now());
    }
    await f!.tf.start();
    await advanceUntil(
      f!.clock,
      1_000,
      60_000,
      async () => (await state(job.id)) === "compensated",
      "compensated",
    );
    expect(await ledger(db, job.id)).toEqual(["hold", "debit", "undo debit", "undo hold"]);
    expect(await balances(db)).toEqual({ alice: 100, bob: 50 });
    expect((await f!.tf.jobAttempts(job.id))![0]!.error).toMatchObject({ code: "LEASE_EXPIRED" });
  });

  it("refuses an ill-formed saga with INVALID_SAGA, naming the step, and registers nothing", async () => {
    f = await openTestTaskFlow(backend);
    const run = () => 1;
    const undo = () => undefined;
    const cases: [unknown, RegExp][] = [
      [{ steps: [] }, /1 to 100 steps/],
      [{ steps: [{ name: "a", run }] }, /step "a" has no compensate.*irreversible/],
      [
        {
          steps: [
            { name: "a", run, compensate: undo },
            { name: "a", run, compensate: undo },
          ],
        },
        /"a" appears twice/,
      ],
      [{ steps: [{ name: "a", run, compensate: undo, irreversible: true }] }, /keep one of the two/],
      [{ steps: [{ name: "compensate:a", run, irreversible: true }] }, /kept for compensations/],
      [{ steps: [{ name: "", run, irreversible: true }] }, /step 1 needs a name/],
      [{ steps: [{ name: "a", irreversible: true }] }, /run must be a function/],
      [{ steps: [{ name: "a", run, compensate: "undo" }] }, /compensate must be a function/],
      [{ steps: [{ name: "a", run, irreversible: true }], compensation: { maxAttempts: 0 } }, /maxAttempts/],
    ];
    for (const [definition, message] of cases) {
      const error = (() => {
        try {
          f.tf.saga("bad", definition as SagaDefinition);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).code).toBe(ErrorCode.InvalidSaga);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toContain('saga "bad"');
    }
    expect(f.tf.taskNames).toEqual([]);
  });
});
