// worker-kills — a job queue's core promise under crashes: three worker processes run a large
// batch of jobs while one of them, chosen by the seeded PRNG, is SIGKILLed every 1–2 s and
// replaced. Each job writes its effect to the ledger inside its completion transaction, and its
// handler start to the `executions` ledger. Oracle: no job lost, no effect committed twice;
// amplification = executions / jobs (the work crashes made the cluster redo).
import { Cluster } from "../cluster.js";
import { jobFigures, ledgerFigures } from "../chaos-database.js";
import { databaseClockOffset } from "../chaos-database.js";
import {
  countExecutions,
  jobsHeldBy,
  reclaimDelays,
  requeueDelays,
  workersHoldingJobs,
  type HeldJob,
} from "../job-queries.js";
import { jobFiguresChecked } from "../oracle-figures.js";
import { LEDGER_TASK } from "../processes/messages.js";
import { percentiles, type ProfileName, type Scenario } from "../scenario.js";
import { withChaosSchema } from "../scenario-run.js";
import { sleepUntil } from "../wait.js";

const SETTINGS: Record<ProfileName, { jobs: number; deadlineS: number }> = {
  quick: { jobs: 10_000, deadlineS: 240 },
  soak: { jobs: 100_000, deadlineS: 1800 },
};
const WORKERS = 3;
const CONCURRENCY = 8;
const KILL_EVERY_MS: [number, number] = [1000, 2000];
const ENQUEUE_BATCH = 2000;

export const workerKills: Scenario = {
  name: "worker-kills",
  summary: "a batch of jobs while workers are SIGKILLed every 1-2 s: none lost, no effect twice",
  run: (context) =>
    withChaosSchema(context, "chaos_kill", async ({ db, children, checks, report }) => {
      const { jobs, deadlineS } = SETTINGS[context.profile];
      const random = context.random;
      let enqueued = 0;
      for (let from = 0; from < jobs; from += ENQUEUE_BATCH) {
        const batch = Array.from({ length: Math.min(ENQUEUE_BATCH, jobs - from) }, (_, k) => ({
          task: LEDGER_TASK,
          payload: { n: from + k },
          // A job is expected to succeed however often its worker dies: a kill is not its fault.
          options: { maxAttempts: 25 },
        }));
        enqueued += (await db.producer.enqueueMany(batch)).filter((job) => job.created).length;
      }
      const cluster = new Cluster(children, db, random, { concurrency: CONCURRENCY, executionLedger: true });
      await cluster.start(WORKERS);
      const offset = await databaseClockOffset(db.pool);
      context.log(`${WORKERS} workers up, ${enqueued} jobs; killing every ${KILL_EVERY_MS.join("–")} ms`);

      const started = Date.now();
      const deadline = started + deadlineS * 1000;
      const unfinished = async () => (await jobFigures(db.pool, LEDGER_TASK)).unfinished;
      const killed: { worker: string; held: HeldJob[]; killedAt: number }[] = [];
      while ((await unfinished()) > 0 && Date.now() < deadline) {
        const killAt = Date.now() + random.between(...KILL_EVERY_MS);
        let left = 1;
        while (Date.now() < killAt && (left = await unfinished()) > 0)
          await sleepUntil(Math.min(killAt, Date.now() + 250), () => children.failIfAnyCrashed());
        if (left === 0) break;
        const ready = cluster.readySlots();
        if (ready.length === 0) continue;
        // Prefer a worker that holds jobs: the kill then interrupts work.
        const holding = await workersHoldingJobs(db.pool);
        const busy = ready.filter((slot) => holding.has(cluster.node(slot).workerId));
        const slot = random.pick(busy.length > 0 ? busy : ready);
        const worker = cluster.node(slot).workerId;
        const held = await jobsHeldBy(db.pool, worker);
        const killedAt = Date.now() + offset; // the signal goes out at once; the wait is for the exit
        await cluster.signal(slot, "SIGKILL");
        killed.push({ worker, held, killedAt });
        report.faults = killed.length;
        cluster.restart(slot);
      }
      const durationS = (Date.now() - started) / 1000;
      checks.zero("jobs unfinished at the deadline", await unfinished());
      await children.killAll();

      const executions = await countExecutions(db.pool);
      const jobsAfter = await jobFigures(db.pool, LEDGER_TASK);
      const ledger = await ledgerFigures(db.pool, LEDGER_TASK);
      const requeues = await Promise.all(
        killed.map(({ worker, held, killedAt }) => requeueDelays(db.pool, worker, held, killedAt)),
      );
      const reclaims = await Promise.all(
        killed.map(({ held, killedAt }) => reclaimDelays(db.pool, held, killedAt)),
      );
      report.figures = {
        workers: WORKERS,
        kills: killed.length,
        kills_mid_run: killed.filter((kill) => kill.held.length > 0).length,
        jobs_held_at_kills: killed.reduce((sum, kill) => sum + kill.held.length, 0),
        throughput_jobs_per_s: Math.round(enqueued / durationS),
        ...jobFiguresChecked(enqueued, jobsAfter, ledger, checks),
        executions,
        amplification: Number((executions / enqueued).toFixed(4)),
        claims_per_job: Number(((enqueued + jobsAfter.extraAttempts) / enqueued).toFixed(4)),
        // Kill → the reaper queues the job again (lease 2 s + reap interval 500 ms).
        requeued_after_kill_ms: percentiles(requeues.flat()),
        // Kill → claimed again: a requeued job waits behind the backlog (its run_at is the reap time).
        reclaimed_after_kill_ms: percentiles(reclaims.flat()),
      };
      checks.equal("jobs enqueued", enqueued, jobs);
      checks.atLeast("kills", killed.length, 3);
      checks.atLeast(
        "kills while the victim held jobs",
        killed.filter((kill) => kill.held.length > 0).length,
        1,
      );
      checks.atLeast("executions (every job ran at least once)", executions, enqueued);
    }),
};
