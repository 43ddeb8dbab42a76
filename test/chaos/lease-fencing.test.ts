// Fencing under a frozen worker: worker A is SIGSTOPped while it runs two jobs, stays frozen past
// its lease, and worker B takes both jobs over. B completes one and still runs the other when A
// is resumed (SIGCONT) and its handlers, which ignore their AbortSignal, try every kind of write:
// progress, a stored log line, a transactional completion with a ledger insert, and returning.
// None of A's writes may land; B's must.
import { afterEach, describe, expect, it } from "vitest";
import { eventually, TEST_DATABASE_URL } from "../support/backends.js";
import { openChaosDatabase, type ChaosDatabase } from "../../chaos/chaos-database.js";
import { ChildWorkers, CHILD_SCRIPTS, type ChildWorker } from "../../chaos/child-workers.js";
import { FENCED_TASK, type ChildMessage } from "../../chaos/processes/messages.js";

type WritesReport = Extract<ChildMessage, { type: "writes" }>;

const WAIT_MS = 20_000;

interface JobRow {
  state: string;
  attempt: number;
  lease_owner: string | null;
  progress: unknown;
  result: unknown;
}

async function jobRow(db: ChaosDatabase, id: string): Promise<JobRow> {
  const { rows } = await db.pool.query<JobRow>(
    "SELECT state, attempt, lease_owner, progress, result FROM jobs WHERE id = $1",
    [id],
  );
  return rows[0] as JobRow;
}

async function ledgerRows(db: ChaosDatabase, id: string): Promise<{ attempt: number; worker: string }[]> {
  const { rows } = await db.pool.query<{ attempt: number; worker: string }>(
    "SELECT attempt, worker FROM ledger WHERE job_id = $1 ORDER BY at",
    [id],
  );
  return rows;
}

async function storedLogs(db: ChaosDatabase, id: string): Promise<{ attempt: number; message: string }[]> {
  const { rows } = await db.pool.query<{ attempt: number; message: string }>(
    "SELECT attempt, message FROM job_logs WHERE job_id = $1 ORDER BY id",
    [id],
  );
  return rows;
}

function waitForMessage<T extends ChildMessage>(
  workers: ChildWorkers,
  child: ChildWorker,
  what: string,
  matches: (message: ChildMessage) => message is T,
): Promise<T> {
  return eventually(
    () => {
      workers.failIfAnyCrashed();
      return child.messages.some(matches);
    },
    WAIT_MS,
    `${child.workerId}: ${what}`,
  ).then(() => child.messages.find(matches) as T);
}

const started =
  (jobId: string, fence: number) =>
  (m: ChildMessage): m is Extract<ChildMessage, { type: "started" }> =>
    m.type === "started" && m.jobId === jobId && m.fence === fence;
const wrote =
  (jobId: string, fence: number) =>
  (m: ChildMessage): m is WritesReport =>
    m.type === "writes" && m.jobId === jobId && m.fence === fence;

describe.skipIf(!TEST_DATABASE_URL)("a worker frozen past its lease", () => {
  let db: ChaosDatabase | undefined;
  let children: ChildWorkers | undefined;

  afterEach(async ({ task }) => {
    await children?.cleanUp(task.result?.state === "fail");
    await db?.close();
  });

  it("has every write refused after it resumes, while the worker that took over writes normally", async () => {
    db = await openChaosDatabase(TEST_DATABASE_URL as string, "chaos_fence");
    const workers = new ChildWorkers();
    children = workers;
    const spawnWorker = (workerId: string) =>
      workers.spawn(CHILD_SCRIPTS.fencedWorker, {
        database: db!.url,
        schema: db!.schema,
        workerId,
        concurrency: 2,
      });
    const [completedByB, heldByB] = (
      await db.producer.enqueueMany([
        { task: FENCED_TASK, payload: { role: "completed by B before A resumes" } },
        { task: FENCED_TASK, payload: { role: "still running on B when A resumes" } },
      ])
    ).map((job) => job.id) as [string, string];
    const jobs = [completedByB, heldByB];

    // A claims both jobs (fence 1) and its handlers wait; then A freezes.
    const a = spawnWorker("worker-a");
    for (const id of jobs) await waitForMessage(workers, a, `start job ${id}`, started(id, 1));
    for (const id of jobs)
      expect(await jobRow(db, id)).toMatchObject({ state: "running", attempt: 1, lease_owner: "worker-a" });
    await workers.signal(a, "SIGSTOP");

    // A's leases expire; B reaps and claims both (fence 2), then completes one of them.
    const b = spawnWorker("worker-b");
    for (const id of jobs) await waitForMessage(workers, b, `take over job ${id}`, started(id, 2));
    for (const id of jobs)
      expect(await jobRow(db, id)).toMatchObject({ state: "running", attempt: 2, lease_owner: "worker-b" });
    b.send({ type: "proceed", jobId: completedByB, fence: 2 });
    expect(await waitForMessage(workers, b, "write job 1", wrote(completedByB, 2))).toMatchObject({
      progressAccepted: true,
      transaction: "committed",
      logError: null,
    });

    // A resumes and tries every write on both jobs, then drains and exits, so that every write
    // it would make (the plain completion of its handlers' return included) has been tried.
    await workers.signal(a, "SIGCONT");
    for (const id of jobs) a.send({ type: "proceed", jobId: id, fence: 1 });
    const reports = await Promise.all(
      jobs.map((id) => waitForMessage(workers, a, `write job ${id}`, wrote(id, 1))),
    );
    await workers.signal(a, "SIGTERM");
    expect(a.exit, "worker A drains and exits cleanly").toEqual({ code: 0, signal: null });

    const staleRejections = reports.reduce(
      (n, r) => n + (r.progressAccepted ? 0 : 1) + (r.transaction === "lease-lost" ? 1 : 0),
      0,
    );
    for (const report of reports)
      expect(report).toMatchObject({ progressAccepted: false, transaction: "lease-lost", logError: null });

    // Nothing of A landed: the completed job is B's, the held one is still B's and untouched.
    expect(await jobRow(db, completedByB)).toMatchObject({
      state: "succeeded",
      attempt: 2,
      progress: { worker: "worker-b", fence: 2 },
      result: { worker: "worker-b", fence: 2, via: "transaction" },
    });
    expect(await jobRow(db, heldByB)).toMatchObject({
      state: "running",
      attempt: 2,
      lease_owner: "worker-b",
      progress: null,
      result: null,
    });
    expect(await ledgerRows(db, completedByB)).toEqual([{ attempt: 2, worker: "worker-b" }]);
    expect(await ledgerRows(db, heldByB)).toEqual([]);

    // B finishes the other job normally.
    b.send({ type: "proceed", jobId: heldByB, fence: 2 });
    await waitForMessage(workers, b, "write job 2", wrote(heldByB, 2));
    await eventually(
      async () => (await jobRow(db!, heldByB)).state === "succeeded",
      WAIT_MS,
      "job 2 to succeed",
    );
    expect(await jobRow(db, heldByB)).toMatchObject({
      attempt: 2,
      progress: { worker: "worker-b", fence: 2 },
      result: { worker: "worker-b", fence: 2, via: "transaction" },
    });
    expect(await ledgerRows(db, heldByB)).toEqual([{ attempt: 2, worker: "worker-b" }]);
    // Only A's first log line (written while it held the job) was stored; nothing after it froze.
    for (const id of jobs) {
      expect(await storedLogs(db, id)).toEqual([
        { attempt: 1, message: "attempt started" },
        { attempt: 2, message: "attempt started" },
        { attempt: 2, message: "writing after proceed" },
      ]);
    }
    expect(
      workers.crashed.map((child) => child.logFile),
      "workers that died on their own",
    ).toEqual([]);

    console.log(JSON.stringify({ test: "lease-fencing", staleRejections, reports }));
    expect(staleRejections).toBeGreaterThan(0);
  }, 90_000);
});
