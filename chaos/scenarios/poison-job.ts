// poison-job — a job whose handler SIGKILLs its own process (like one that runs its node out of
// memory), among a steady stream of normal jobs. Each attempt takes a node down; the harness
// restarts it. The attempt counts at claim, so the poison job must end `dead` after exactly its
// max attempts, while the other jobs keep flowing (throughput during the poison period > 0)
// and all succeed exactly once. Poison jobs go in one after another: each ends before the next.
import type pg from "pg";
import { Cluster } from "../cluster.js";
import { jobFigures, ledgerFigures } from "../chaos-database.js";
import { jobFiguresChecked } from "../oracle-figures.js";
import { LEDGER_TASK, POISON_TASK } from "../processes/messages.js";
import type { ProfileName, Scenario } from "../scenario.js";
import { withChaosSchema } from "../scenario-run.js";
import { sleep, waitFor } from "../wait.js";

const SETTINGS: Record<ProfileName, { jobs: number; poisonJobs: number }> = {
  quick: { jobs: 1000, poisonJobs: 1 },
  soak: { jobs: 8000, poisonJobs: 5 },
};
const NODES = 3;
const MAX_ATTEMPTS = 3;
const JOBS_PER_S = 40;
const BATCH = 10;

interface PoisonRow {
  state: string;
  attempts: number;
  lease_expiries: number;
  created_ms: string;
  finished_ms: string | null;
}

async function poisonRow(pool: pg.Pool, id: string): Promise<PoisonRow> {
  const { rows } = await pool.query<PoisonRow>(
    `SELECT state, attempt - attempt_base AS attempts,
            (SELECT count(*)::int FROM jsonb_array_elements(errors) e WHERE e->>'code' = 'LEASE_EXPIRED') AS lease_expiries,
            extract(epoch FROM created_at) * 1000 AS created_ms, extract(epoch FROM finished_at) * 1000 AS finished_ms
     FROM jobs WHERE id = $1`,
    [id],
  );
  return rows[0] as PoisonRow;
}

export const poisonJob: Scenario = {
  name: "poison-job",
  summary: "a job that SIGKILLs its own node: dead after exactly its max attempts, other jobs keep flowing",
  run: (context) =>
    withChaosSchema(context, "chaos_poison", async ({ db, children, checks, report }) => {
      const { jobs, poisonJobs } = SETTINGS[context.profile];
      const cluster = new Cluster(children, db, context.random, {
        concurrency: 8,
        ledgerJob: { beforeMs: [5, 50] },
      });
      await cluster.start(NODES);

      // A node that dies by a SIGKILL it did not get from us was killed by a poison attempt: it
      // is accepted (in the exit's own microtask, before any crash check can see it) and replaced.
      let selfKills = 0;
      let stopped = false;
      const replaceWhenPoisoned = (slot: number) => {
        const node = cluster.node(slot);
        void node.exited.then((exit) => {
          if (stopped || node.endedByTest || exit.signal !== "SIGKILL") return;
          node.endedByTest = true;
          selfKills++;
          report.faults = selfKills;
          cluster.restart(slot);
          replaceWhenPoisoned(slot);
        });
      };
      cluster.nodes.forEach((_, slot) => replaceWhenPoisoned(slot));

      let stream: Promise<number> = Promise.resolve(0);
      try {
        stream = (async () => {
          let sent = 0;
          while (sent < jobs) {
            const batch = Array.from({ length: Math.min(BATCH, jobs - sent) }, (_, k) => ({
              task: LEDGER_TASK,
              payload: { n: sent + k },
            }));
            sent += (await db.producer.enqueueMany(batch)).length;
            await sleep((1000 * BATCH) / JOBS_PER_S);
          }
          return sent;
        })();
        context.log(
          `${NODES} nodes up; ${jobs} jobs at ${JOBS_PER_S}/s, ${poisonJobs} poison job(s) one after another`,
        );
        const poisons: (PoisonRow & { throughput: number })[] = [];
        await sleep(2000);
        for (let n = 0; n < poisonJobs; n++) {
          const poison = await db.producer.enqueue(POISON_TASK, { n }, { maxAttempts: MAX_ATTEMPTS });
          await waitFor(
            async () => {
              children.failIfAnyCrashed();
              return (await poisonRow(db.pool, poison.id)).finished_ms !== null;
            },
            60_000,
            `poison job ${poison.id} to end`,
            200,
          );
          const row = await poisonRow(db.pool, poison.id);
          const { rows } = await db.pool.query<{ n: string }>(
            "SELECT count(*) AS n FROM ledger WHERE at BETWEEN to_timestamp($1 / 1000.0) AND to_timestamp($2 / 1000.0)",
            [Number(row.created_ms), Number(row.finished_ms)],
          );
          const periodS = (Number(row.finished_ms) - Number(row.created_ms)) / 1000;
          poisons.push({ ...row, throughput: Number(rows[0]?.n) / periodS });
          context.log(
            `poison job ${poison.id}: ${row.state} after ${row.attempts} attempts, ${periodS.toFixed(1)} s`,
          );
        }
        const sent = await stream;
        await waitFor(
          async () => {
            children.failIfAnyCrashed();
            return (await jobFigures(db.pool, LEDGER_TASK)).unfinished === 0;
          },
          60_000,
          "every normal job to finish",
          200,
        );
        checks.that(await cluster.stopAll(), "every node stops gracefully (exit code 0)");

        const normal = jobFiguresChecked(
          sent,
          await jobFigures(db.pool, LEDGER_TASK),
          await ledgerFigures(db.pool, LEDGER_TASK),
          checks,
        );
        report.figures = {
          nodes: NODES,
          poison_jobs: poisons.length,
          poison_states: poisons.map((p) => p.state),
          poison_attempts: poisons.map((p) => p.attempts),
          poison_lease_expiries: poisons.map((p) => p.lease_expiries),
          max_attempts: MAX_ATTEMPTS,
          node_self_kills: selfKills,
          poison_period_s: poisons.map((p) =>
            Number(((Number(p.finished_ms) - Number(p.created_ms)) / 1000).toFixed(1)),
          ),
          throughput_during_poison_jobs_per_s: poisons.map((p) => Number(p.throughput.toFixed(1))),
          ...normal,
        };
        checks.equal("poison jobs ended", poisons.length, poisonJobs);
        for (const [n, p] of poisons.entries()) {
          checks.equal(`poison job ${n} state`, p.state, "dead");
          checks.equal(`poison job ${n} attempts`, p.attempts, MAX_ATTEMPTS);
          checks.that(p.throughput > 0, `throughput during poison job ${n} = ${p.throughput}, expected > 0`);
        }
        checks.equal("nodes killed by poison attempts", selfKills, MAX_ATTEMPTS * poisonJobs);
      } finally {
        stopped = true;
        await stream.catch(() => undefined);
      }
    }),
};
