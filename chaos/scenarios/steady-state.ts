// steady-state — no faults: three nodes fire schedules every second and every minute. The
// baseline the other scenarios are read against: every occurrence of the window runs exactly
// once, none early, and how late they run (fire lag: the handler's ledger write, by the
// database clock, minus the fire time).
import { Cluster } from "../cluster.js";
import { scheduleFigures } from "../oracle-figures.js";
import { SCHEDULED_TASK } from "../processes/messages.js";
import type { ProfileName, Scenario } from "../scenario.js";
import { withChaosSchema } from "../scenario-run.js";
import { databaseNow, judgeOccurrences } from "../schedule-oracle.js";
import { sleepUntil } from "../wait.js";
import { EARLY_TOLERANCE_MS, WARMUP_MS, settleOccurrences } from "./schedule-scenarios.js";

const SETTINGS: Record<ProfileName, { seconds: number; perSecond: number; perMinute: number }> = {
  // 95 s: the window always holds a minute boundary and each `every: "1m"` schedule's first fire.
  quick: { seconds: 95, perSecond: 60, perMinute: 12 },
  soak: { seconds: 660, perSecond: 100, perMinute: 30 },
};
const NODES = 3;

export const steadyState: Scenario = {
  name: "steady-state",
  summary: "3 nodes, schedules every second and every minute, no faults: none missed, twice or early",
  run: (context) =>
    withChaosSchema(context, "chaos_steady", async ({ db, children, checks, report }) => {
      const settings = SETTINGS[context.profile];
      const cluster = new Cluster(children, db, context.random, {
        concurrency: 10,
        schedules: settings.perSecond,
        minuteSchedules: settings.perMinute,
      });
      await cluster.start(NODES);
      const from = await databaseNow(db.pool);
      context.log(`${NODES} nodes up; firing for ${settings.seconds} s`);
      await sleepUntil(Date.now() + settings.seconds * 1000, () => children.failIfAnyCrashed());
      const to = await databaseNow(db.pool);
      await settleOccurrences(children, db.pool, to);
      checks.that(await cluster.stopAll(), "every node stops gracefully (exit code 0)");

      const verdict = await judgeOccurrences(
        db.pool,
        SCHEDULED_TASK,
        { fromMs: from + WARMUP_MS, toMs: to },
        EARLY_TOLERANCE_MS,
      );
      const judgedSeconds = (to - from - WARMUP_MS) / 1000;
      report.figures = {
        nodes: NODES,
        schedules: { per_second: settings.perSecond, per_minute: settings.perMinute },
        window_s: Math.round(judgedSeconds),
        ...scheduleFigures(verdict, checks, Math.floor(settings.perSecond * (judgedSeconds - 1))),
      };
      checks.atLeast(
        "per-minute occurrences judged",
        verdict.byCadence["1m"]?.judged ?? 0,
        settings.perMinute,
      );
    }),
};
