// graceful-shutdown — nodes running long jobs get SIGTERM: each stops claiming, gives back its
// buffered jobs, lets running ones finish for its drain timeout, then aborts and releases the
// rest, and exits 0; the harness starts it again. Oracle: right after each exit no job is still
// `running` under the stopped node (orphaned); every job held at SIGTERM was
// either finished by that node (drained) or released at once (released: its attempt refunded);
// none waited out a lease; in the end every job succeeded exactly once.
import type pg from "pg";
import { Cluster } from "../cluster.js";
import { jobFigures, ledgerFigures } from "../chaos-database.js";
import { jobsHeldBy, jobsWithLeaseExpiry, workersHoldingJobs, type HeldJob } from "../job-queries.js";
import { jobFiguresChecked } from "../oracle-figures.js";
import { LEDGER_TASK } from "../processes/messages.js";
import { percentiles, type ProfileName, type Scenario } from "../scenario.js";
import { withChaosSchema } from "../scenario-run.js";
import { sleep, waitFor } from "../wait.js";

const SETTINGS: Record<ProfileName, { jobs: number; terms: number }> = {
  quick: { jobs: 150, terms: 4 },
  soak: { jobs: 1500, terms: 40 },
};
const NODES = 3;
const CONCURRENCY = 4;
const JOB_MS: [number, number] = [1000, 5000];
const DRAIN_TIMEOUT_MS = 2500;
const PAUSE_BETWEEN_MS: [number, number] = [2000, 4000];
/**
 * After the last SIGTERM the jobs left run on every slot at once: the wait for them allows twice
 * their running time at the mean job length, plus this. (The soak profile leaves minutes of work.)
 */
const FINISH_MARGIN_MS = 120_000;

/** What became of the jobs a node held when it got SIGTERM, read once it has exited. */
async function fateOf(pool: pg.Pool, worker: string, held: HeldJob[]) {
  const { rows } = await pool.query<{ drained: string; released: string; orphaned: string }>(
    `SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ledger l WHERE l.job_id = j.id AND l.attempt = h.attempt AND l.worker = $3)) AS drained,
            count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.job_id = j.id AND l.attempt = h.attempt)
                               AND NOT (j.state = 'running' AND j.lease_owner = $3)) AS released,
            count(*) FILTER (WHERE j.state = 'running' AND j.lease_owner = $3) AS orphaned
     FROM jobs j JOIN unnest($1::bigint[], $2::int[]) AS h(id, attempt) ON h.id = j.id`,
    [held.map((job) => job.id), held.map((job) => job.attempt), worker],
  );
  const row = rows[0];
  return {
    drained: Number(row?.drained ?? 0),
    released: Number(row?.released ?? 0),
    orphaned: Number(row?.orphaned ?? 0),
  };
}

interface Stop {
  worker: string;
  held: number;
  drained: number;
  released: number;
  orphaned: number;
  /** SIGTERM to exit. */
  drainMs: number;
  exitCode: number | null;
}

/** SIGTERM to the node in `slot`, then, once it has exited, what became of the jobs it held. */
async function stopGracefully(cluster: Cluster, slot: number): Promise<Stop> {
  const node = cluster.node(slot);
  const held = await jobsHeldBy(cluster.db.pool, node.workerId);
  const sentAt = Date.now();
  await cluster.signal(slot, "SIGTERM");
  const drainMs = Date.now() - sentAt;
  const fate = await fateOf(cluster.db.pool, node.workerId, held);
  return { worker: node.workerId, held: held.length, ...fate, drainMs, exitCode: node.exit?.code ?? null };
}

export const gracefulShutdown: Scenario = {
  name: "graceful-shutdown",
  summary: "SIGTERM to nodes running long jobs: drained or released, none orphaned, each job once",
  run: (context) =>
    withChaosSchema(context, "chaos_term", async ({ db, children, checks, report }) => {
      const { jobs, terms } = SETTINGS[context.profile];
      const random = context.random;
      const enqueued = await db.producer.enqueueMany(
        Array.from({ length: jobs }, (_, n) => ({
          task: LEDGER_TASK,
          payload: { n },
          options: { maxAttempts: 25 },
        })),
      );
      const cluster = new Cluster(children, db, random, {
        concurrency: CONCURRENCY,
        drainTimeoutMs: DRAIN_TIMEOUT_MS,
        ledgerJob: { beforeMs: JOB_MS },
      });
      await cluster.start(NODES);
      context.log(
        `${NODES} nodes up, ${jobs} jobs of ${JOB_MS.join("–")} ms, drain timeout ${DRAIN_TIMEOUT_MS} ms`,
      );

      const stops: Stop[] = [];
      for (let n = 0; n < terms; n++) {
        await sleep(random.between(...PAUSE_BETWEEN_MS));
        children.failIfAnyCrashed();
        const holding = await workersHoldingJobs(db.pool);
        const candidates = cluster.readySlots().filter((slot) => holding.has(cluster.node(slot).workerId));
        if (candidates.length === 0) break;
        const slot = random.pick(candidates);
        const stop = await stopGracefully(cluster, slot);
        report.faults++;
        stops.push(stop);
        context.log(
          `SIGTERM ${stop.worker}: held ${stop.held}, drained ${stop.drained}, released ${stop.released}, ` +
            `orphaned ${stop.orphaned}, exit ${stop.exitCode} after ${stop.drainMs} ms`,
        );
        cluster.restart(slot);
      }

      const left = (await jobFigures(db.pool, LEDGER_TASK)).unfinished;
      const meanJobMs = (JOB_MS[0] + JOB_MS[1]) / 2;
      const finishWithinMs = FINISH_MARGIN_MS + Math.ceil((2 * left * meanJobMs) / (NODES * CONCURRENCY));
      context.log(
        `${left} jobs left after the last SIGTERM; waiting up to ${Math.round(finishWithinMs / 1000)} s`,
      );
      const lastSigtermDoneAt = Date.now();
      await waitFor(
        async () => {
          children.failIfAnyCrashed();
          return (await jobFigures(db.pool, LEDGER_TASK)).unfinished === 0;
        },
        finishWithinMs,
        "every job to finish",
        200,
      );
      const finishedAfterMs = Date.now() - lastSigtermDoneAt;
      checks.that(await cluster.stopAll(), "every node stops gracefully at the end (exit code 0)");
      const { rows } = await db.pool.query<{ releases: string }>(
        "SELECT coalesce(sum(attempt_base), 0) AS releases FROM jobs WHERE task = $1",
        [LEDGER_TASK],
      );
      const sum = (key: "held" | "drained" | "released" | "orphaned") =>
        stops.reduce((total, s) => total + s[key], 0);
      const leaseExpiries = await jobsWithLeaseExpiry(db.pool, LEDGER_TASK);
      report.figures = {
        nodes: NODES,
        sigterms: stops.length,
        drain_timeout_ms: DRAIN_TIMEOUT_MS,
        held_at_sigterm: sum("held"),
        drained: sum("drained"),
        released: sum("released"),
        orphaned: sum("orphaned"),
        releases_recorded: Number(rows[0]?.releases ?? 0),
        lease_expiries: leaseExpiries,
        sigterm_to_exit_ms: percentiles(stops.map((s) => s.drainMs)),
        left_after_last_sigterm: left,
        finished_after_last_sigterm_s: Math.round(finishedAfterMs / 100) / 10,
        ...jobFiguresChecked(
          enqueued.length,
          await jobFigures(db.pool, LEDGER_TASK),
          await ledgerFigures(db.pool, LEDGER_TASK),
          checks,
        ),
      };
      checks.equal("SIGTERMs sent", stops.length, terms);
      checks.that(
        stops.every((s) => s.exitCode === 0),
        `exit codes after SIGTERM: ${stops.map((s) => s.exitCode).join(", ")}, expected 0`,
      );
      checks.zero("jobs orphaned (still running under a stopped node)", sum("orphaned"));
      checks.zero("jobs that waited out a lease (never given back)", leaseExpiries);
      checks.equal("held jobs drained or released", sum("drained") + sum("released"), sum("held"));
      checks.atLeast("jobs drained", sum("drained"), 1);
      checks.atLeast("jobs released", sum("released"), 1);
    }),
};
