// sigkill-nodes — whole nodes (fire loop and workers) SIGKILLed and restarted while schedules
// fire every second. Half the kills (by the seeded PRNG) land inside a fire transaction: the
// victim is asked to hold its next one (processes/fire-hold.ts), and is killed while it holds
// its due schedule rows locked with nothing committed, which the harness confirms from the
// database side before the kill (the rows are locked, the occurrence does not exist). The others
// land wherever the node is, often mid-job. Oracle: every occurrence of the window exactly once.
import type pg from "pg";
import type { ChildWorker } from "../child-workers.js";
import { Cluster } from "../cluster.js";
import { databaseClockOffset } from "../chaos-database.js";
import { jobsHeldBy, reclaimDelays, type HeldJob } from "../job-queries.js";
import { scheduleFigures } from "../oracle-figures.js";
import { SCHEDULED_TASK, type ChildMessage } from "../processes/messages.js";
import { percentiles, type ProfileName, type Scenario } from "../scenario.js";
import { withChaosSchema } from "../scenario-run.js";
import { databaseNow, judgeOccurrences } from "../schedule-oracle.js";
import { sleepUntil } from "../wait.js";
import { EARLY_TOLERANCE_MS, WARMUP_MS, settleOccurrences } from "./schedule-scenarios.js";

const SETTINGS: Record<ProfileName, { seconds: number; schedules: number }> = {
  quick: { seconds: 60, schedules: 100 },
  soak: { seconds: 600, schedules: 200 },
};
const NODES = 3;
const KILL_EVERY_MS: [number, number] = [2000, 4000];
const MID_FIRE_SHARE = 0.5;
/** How long a held fire transaction blocks: ample for the harness to check and kill. */
const FIRE_HOLD_MS = 1500;
const NOTICE_TIMEOUT_MS = 5000;

type FireHeld = Extract<ChildMessage, { type: "fire-held" }>;

interface MidFireKill {
  scheduleId: string;
  fireAt: number;
  killedAt: number;
  /** The rows were locked and the occurrence absent when the kill was sent. */
  confirmed: boolean;
}

function noticeOf(node: ChildWorker, timeoutMs: number): Promise<FireHeld | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(null), timeoutMs);
    const unsubscribe = node.onMessage((message) => {
      if (message.type === "fire-held") done(message);
    });
    function done(value: FireHeld | null) {
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    }
  });
}

/** Whether the schedule row is locked by some transaction, and whether the occurrence is committed. */
async function occurrenceState(pool: pg.Pool, scheduleId: string, fireAt: number) {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const free = await client.query("SELECT id FROM schedules WHERE id = $1 FOR UPDATE SKIP LOCKED", [
      scheduleId,
    ]);
    await client.query("ROLLBACK");
    const jobs = await client.query("SELECT 1 FROM jobs WHERE schedule_id = $1 AND fire_at = $2", [
      scheduleId,
      new Date(fireAt),
    ]);
    return { locked: free.rows.length === 0, committed: jobs.rows.length > 0 };
  } finally {
    client.release();
  }
}

/** From the kill to the occurrence the victim was firing being enqueued by another node, and run. */
async function takeover(pool: pg.Pool, kill: MidFireKill) {
  const { rows } = await pool.query<{ enqueued_ms: string; ran_ms: string | null }>(
    `SELECT extract(epoch FROM j.created_at) * 1000 AS enqueued_ms,
            (SELECT extract(epoch FROM min(l.at)) * 1000 FROM schedule_ledger l WHERE l.job_id = j.id) AS ran_ms
     FROM jobs j WHERE j.schedule_id = $1 AND j.fire_at = $2`,
    [kill.scheduleId, new Date(kill.fireAt)],
  );
  const row = rows[0];
  if (row === undefined) return null;
  return {
    enqueuedMs: Number(row.enqueued_ms) - kill.killedAt,
    lateMs: row.ran_ms === null ? null : Number(row.ran_ms) - kill.fireAt,
  };
}

/**
 * Asks the node in `slot` to hold its next fire transaction, checks from the database that it
 * holds the schedule row locked with nothing committed, and SIGKILLs it. Null if no hold came
 * (the node was then killed anyway, wherever it was).
 */
async function killMidFire(cluster: Cluster, slot: number, offset: number): Promise<MidFireKill | null> {
  const victim = cluster.node(slot);
  const notice = noticeOf(victim, NOTICE_TIMEOUT_MS);
  victim.send({ type: "hold-fire" });
  const held = await notice;
  if (held === null) {
    await cluster.signal(slot, "SIGKILL");
    return null;
  }
  const state = await occurrenceState(cluster.db.pool, held.scheduleId, held.nextFireAt);
  const killedAt = Date.now() + offset; // the signal goes out at once; the wait is for the exit
  await cluster.signal(slot, "SIGKILL");
  return {
    scheduleId: held.scheduleId,
    fireAt: held.nextFireAt,
    killedAt,
    confirmed: state.locked && !state.committed,
  };
}

export const sigkillNodes: Scenario = {
  name: "sigkill-nodes",
  summary: "nodes SIGKILLed (half of them inside a fire transaction) and restarted: none missed, none twice",
  run: (context) =>
    withChaosSchema(context, "chaos_nodekill", async ({ db, children, checks, report }) => {
      const { seconds, schedules } = SETTINGS[context.profile];
      const random = context.random;
      const cluster = new Cluster(children, db, random, {
        concurrency: 10,
        schedules,
        scheduledInTransactionMs: [0, 5],
        fireHoldMs: FIRE_HOLD_MS,
      });
      await cluster.start(NODES);
      const offset = await databaseClockOffset(db.pool);
      const from = await databaseNow(db.pool);
      const until = Date.now() + seconds * 1000;
      context.log(`${NODES} nodes up, ${schedules} schedules; killing for ${seconds} s`);

      const midFire: MidFireKill[] = [];
      const heldAtKill: { held: HeldJob[]; killedAt: number }[] = [];
      let kills = 0;
      let unheld = 0;
      for (;;) {
        const killAt = Date.now() + random.between(...KILL_EVERY_MS);
        if (killAt > until) break;
        await sleepUntil(killAt, () => children.failIfAnyCrashed());
        // A node still booting is not killed, so that another is always up and firing.
        const ready = cluster.readySlots();
        if (ready.length < 2) continue;
        const slot = random.pick(ready);
        const victim = cluster.node(slot);
        if (random.chance(MID_FIRE_SHARE)) {
          const kill = await killMidFire(cluster, slot, offset);
          if (kill === null) unheld++;
          else midFire.push(kill);
        } else {
          const held = await jobsHeldBy(db.pool, victim.workerId);
          const killedAt = Date.now() + offset;
          await cluster.signal(slot, "SIGKILL");
          heldAtKill.push({ held, killedAt });
        }
        kills++;
        report.faults = kills;
        cluster.restart(slot);
      }
      await sleepUntil(until, () => children.failIfAnyCrashed());
      const to = await databaseNow(db.pool);
      await cluster.waitAllReady();
      await settleOccurrences(children, db.pool, to);
      checks.that(await cluster.stopAll(), "every node stops gracefully (exit code 0)");

      const takeovers = await Promise.all(midFire.map((kill) => takeover(db.pool, kill)));
      const jobTakeovers = (
        await Promise.all(heldAtKill.map(({ held, killedAt }) => reclaimDelays(db.pool, held, killedAt)))
      ).flat();
      const verdict = await judgeOccurrences(
        db.pool,
        SCHEDULED_TASK,
        { fromMs: from + WARMUP_MS, toMs: to },
        EARLY_TOLERANCE_MS,
      );
      const confirmed = midFire.filter((kill) => kill.confirmed).length;
      report.figures = {
        nodes: NODES,
        schedules,
        kills,
        kills_mid_fire_transaction: confirmed,
        kills_mid_fire_unconfirmed: midFire.length - confirmed + unheld,
        kills_mid_job: heldAtKill.filter((kill) => kill.held.length > 0).length,
        takeover_ms: percentiles(takeovers.flatMap((t) => (t === null ? [] : [t.enqueuedMs]))),
        taken_over_occurrence_lag_ms: percentiles(
          takeovers.flatMap((t) => (t?.lateMs == null ? [] : [t.lateMs])),
        ),
        job_takeover_ms: percentiles(jobTakeovers),
        ...scheduleFigures(verdict, checks, Math.floor(schedules * ((to - from - WARMUP_MS) / 1000 - 1))),
      };
      checks.atLeast("kills", kills, Math.floor(seconds / 5));
      checks.atLeast(
        "kills confirmed inside a fire transaction",
        confirmed,
        Math.max(1, Math.floor(seconds / 20)),
      );
      checks.equal(
        "mid-fire kills whose occurrence another node enqueued",
        takeovers.filter((t) => t !== null).length,
        midFire.length,
      );
    }),
};
