// sigstop-node — a node frozen (SIGSTOP) while it runs jobs, for longer than its leases; the
// other nodes reap the leases and run those jobs again; then the frozen node is resumed
// (SIGCONT). Its handlers ignore their AbortSignal (like a handler stuck in a slow call) and go
// on to write: progress, then the ledger insert in the completion transaction. Every such write
// must be refused (the fencing token moved on), which the node itself reports; and the ledger
// must still hold exactly one effect per job, from the attempt that completed it.
import { Cluster } from "../cluster.js";
import { jobFigures, ledgerFigures } from "../chaos-database.js";
import { countNoLongerHeld, jobsHeldBy, workersHoldingJobs } from "../job-queries.js";
import { jobFiguresChecked } from "../oracle-figures.js";
import { LEDGER_TASK, type ChildMessage } from "../processes/messages.js";
import type { ProfileName, Scenario } from "../scenario.js";
import { withChaosSchema } from "../scenario-run.js";
import { sleep, sleepUntil, waitFor } from "../wait.js";

const SETTINGS: Record<ProfileName, { jobs: number; stops: number }> = {
  quick: { jobs: 900, stops: 2 },
  soak: { jobs: 6000, stops: 12 },
};
const NODES = 3;
const CONCURRENCY = 6;
const JOB_MS: [number, number] = [200, 1200];
/** Past the 2 s lease and the 500 ms reap interval; under the server's 10 s idle-in-transaction limit. */
const STOPPED_MS: [number, number] = [4500, 6500];
const PAUSE_BETWEEN_MS: [number, number] = [2000, 5000];

type Refused = Extract<ChildMessage, { type: "refused" }>;

export const sigstopNode: Scenario = {
  name: "sigstop-node",
  summary: "a node frozen past its leases, then resumed: every write it then tries is refused, no duplicate",
  run: (context) =>
    withChaosSchema(context, "chaos_stop", async ({ db, children, checks, report }) => {
      const { jobs, stops } = SETTINGS[context.profile];
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
        ledgerJob: { beforeMs: JOB_MS, ignoreAbort: true, progress: true },
      });
      await cluster.start(NODES);
      context.log(`${NODES} nodes up, ${jobs} jobs of ${JOB_MS.join("–")} ms; ${stops} freezes`);

      const frozen: { worker: string; stoppedMs: number; held: number; leasesLost: number }[] = [];
      const frozenWorkers = new Set<string>();
      for (let n = 0; n < stops; n++) {
        await sleep(random.between(...PAUSE_BETWEEN_MS));
        children.failIfAnyCrashed();
        const holding = await workersHoldingJobs(db.pool);
        const candidates = cluster.readySlots().filter((slot) => holding.has(cluster.node(slot).workerId));
        if (candidates.length === 0) break; // every job is done
        const slot = random.pick(candidates);
        const victim = cluster.node(slot);
        const held = await jobsHeldBy(db.pool, victim.workerId);
        const stoppedMs = Math.round(random.between(...STOPPED_MS));
        await cluster.signal(slot, "SIGSTOP");
        frozenWorkers.add(victim.workerId);
        report.faults++;
        await sleepUntil(Date.now() + stoppedMs, () => children.failIfAnyCrashed());
        const leasesLost = await countNoLongerHeld(db.pool, victim.workerId, held);
        await cluster.signal(slot, "SIGCONT");
        context.log(
          `froze ${victim.workerId} for ${stoppedMs} ms holding ${held.length} jobs; ${leasesLost} leases lost meanwhile`,
        );
        frozen.push({ worker: victim.workerId, stoppedMs, held: held.length, leasesLost });
      }

      const all = await jobFigures(db.pool, LEDGER_TASK);
      await waitFor(
        async () => {
          children.failIfAnyCrashed();
          return (await jobFigures(db.pool, LEDGER_TASK)).unfinished === 0;
        },
        Math.max(60_000, all.unfinished * 100),
        "every job to finish",
        200,
      );
      // A graceful stop lets every handler still going try its writes before the count.
      checks.that(await cluster.stopAll(), "every node stops gracefully (exit code 0)");

      const refused = children.all.flatMap((child) =>
        child.messages.filter((m): m is Refused => m.type === "refused"),
      );
      const byFrozen = refused.filter((m) => frozenWorkers.has(m.worker));
      const jobsAfter = await jobFigures(db.pool, LEDGER_TASK);
      const ledger = await ledgerFigures(db.pool, LEDGER_TASK);
      const leasesLost = frozen.reduce((sum, f) => sum + f.leasesLost, 0);
      report.figures = {
        nodes: NODES,
        stops: frozen.length,
        stopped_ms: frozen.map((f) => f.stoppedMs),
        held_when_frozen: frozen.reduce((sum, f) => sum + f.held, 0),
        leases_lost_while_frozen: leasesLost,
        stale_writes_refused: byFrozen.length,
        stale_progress_refused: byFrozen.filter((m) => m.write === "progress").length,
        stale_transactions_refused: byFrozen.filter((m) => m.write === "transaction").length,
        refused_on_other_nodes: refused.length - byFrozen.length,
        ...jobFiguresChecked(enqueued.length, jobsAfter, ledger, checks),
      };
      checks.equal("freezes", frozen.length, stops);
      checks.atLeast("jobs whose lease the frozen node lost", leasesLost, 1);
      checks.atLeast("stale writes refused (reported by the frozen nodes)", byFrozen.length, 1);
    }),
};
