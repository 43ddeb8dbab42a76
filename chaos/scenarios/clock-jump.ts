// clock-jump — one node's wall clock jumps forward and back during the run (libfaketime, its
// offset read from a file the harness rewrites; the monotonic clock, and so node's timers, keep
// real time), as when NTP steps a clock or a VM resumes. The database clock is the authority:
// no occurrence may run before its fire time by the database clock (the ledger's `at`), none
// twice, none missed. The node's own reports prove each jump took hold.
import { join } from "node:path";
import { Cluster } from "../cluster.js";
import { findLibfaketime, JumpingClock } from "../faketime.js";
import { scheduleFigures } from "../oracle-figures.js";
import { SCHEDULED_TASK } from "../processes/messages.js";
import type { ProfileName, Scenario } from "../scenario.js";
import { withChaosSchema } from "../scenario-run.js";
import { databaseNow, judgeOccurrences } from "../schedule-oracle.js";
import { sleepUntil } from "../wait.js";
import { EARLY_TOLERANCE_MS, WARMUP_MS, settleOccurrences } from "./schedule-scenarios.js";

/** Offsets (s) and how long each holds (s). The quick one stays inside one calibration period (60 s). */
const PHASES: Record<ProfileName, () => { offsetS: number; seconds: number }[]> = {
  quick: () => [
    { offsetS: 0, seconds: 8 },
    { offsetS: 30, seconds: 18 },
    { offsetS: -30, seconds: 18 },
    { offsetS: 0, seconds: 10 },
  ],
  soak: () => [
    { offsetS: 0, seconds: 10 },
    ...[30, -30, 300, -300, 5, -5, 120, 0, -120, 30, -30, 0].map((offsetS) => ({ offsetS, seconds: 50 })),
  ],
};
const NODES = 3;
const SCHEDULES = 60;
/** A phase's reports are read after this, once libfaketime has re-read its file. */
const PHASE_SETTLE_MS = 2000;
const JUMP_TOLERANCE_MS = 1500;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

export const clockJump: Scenario = {
  name: "clock-jump",
  summary: "one node's wall clock jumps forward and back: nothing early by the database clock, nothing twice",
  run: (context) =>
    withChaosSchema(context, "chaos_jump", async ({ db, children, checks, report }) => {
      const phases = PHASES[context.profile]();
      const jumper = context.random.int(0, NODES - 1);
      const clock = new JumpingClock(findLibfaketime(), join(context.logDir, "jumping-clock"));
      const cluster = new Cluster(
        children,
        db,
        context.random,
        { concurrency: 10, schedules: SCHEDULES, clockReportMs: 500 },
        (slot) => (slot === jumper ? clock.env() : {}),
      );
      await cluster.start(NODES);
      const node = cluster.node(jumper);
      // Each report: the node's wall clock minus ours on arrival (IPC takes well under a ms here).
      const observed: { at: number; offsetMs: number; skewMs: number }[] = [];
      node.onMessage((message) => {
        if (message.type === "clock")
          observed.push({
            at: Date.now(),
            offsetMs: message.wallClockMs - Date.now(),
            skewMs: message.clockSkewMs,
          });
      });
      const from = await databaseNow(db.pool);
      context.log(
        `${NODES} nodes up, ${SCHEDULES} schedules; ${node.workerId}'s clock jumps ${phases.map((p) => `${p.offsetS}s`).join(" → ")}`,
      );

      const seen: {
        offset_s: number;
        seconds: number;
        wall_clock_offset_ms: number;
        reported_skew_ms: number;
      }[] = [];
      for (const phase of phases) {
        clock.set(phase.offsetS);
        if (phase.offsetS !== (seen.at(-1)?.offset_s ?? 0)) report.faults++;
        const start = Date.now();
        await sleepUntil(start + phase.seconds * 1000, () => children.failIfAnyCrashed());
        const inPhase = observed.filter((o) => o.at >= start + PHASE_SETTLE_MS);
        seen.push({
          offset_s: phase.offsetS,
          seconds: phase.seconds,
          wall_clock_offset_ms: Math.round(median(inPhase.map((o) => o.offsetMs))),
          reported_skew_ms: Math.round(median(inPhase.map((o) => o.skewMs))),
        });
      }
      clock.set(0);
      const to = await databaseNow(db.pool);
      await settleOccurrences(children, db.pool, to);
      checks.that(await cluster.stopAll(), "every node stops gracefully (exit code 0)");

      const verdict = await judgeOccurrences(
        db.pool,
        SCHEDULED_TASK,
        { fromMs: from + WARMUP_MS, toMs: to },
        EARLY_TOLERANCE_MS,
      );
      const jumperEffects = verdict.workers[node.workerId]?.effects ?? 0;
      report.figures = {
        nodes: NODES,
        schedules: SCHEDULES,
        jumping_node: node.workerId,
        phases: seen,
        effects_by_jumping_node: jumperEffects,
        ...scheduleFigures(verdict, checks, Math.floor(SCHEDULES * ((to - from - WARMUP_MS) / 1000 - 1))),
      };
      for (const phase of seen)
        checks.that(
          Math.abs(phase.wall_clock_offset_ms - phase.offset_s * 1000) < JUMP_TOLERANCE_MS,
          `the node's wall clock was off by ${phase.wall_clock_offset_ms} ms in the ${phase.offset_s} s phase (is libfaketime working?)`,
        );
      checks.atLeast("occurrences run by the jumping node", jumperEffects, 1);
    }),
};
