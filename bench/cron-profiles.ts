import { parseArgs } from "node:util";
import type { LagScenario } from "./cron-lag.js";

/** A fire-lag figure: one scenario, measured `repeat` times. */
export interface LagFigure {
  id: string;
  title: string;
  scenario: Omit<LagScenario, "warmupSeconds">;
}

export interface Profile {
  repeat: number;
  /** Seconds a fresh node runs before its window opens (its first ticks are catch-up, not lag). */
  warmupSeconds: number;
  lag: LagFigure[];
  /** The lag floor: one schedule, with croner beside it in its own process. */
  floor: Omit<LagScenario, "warmupSeconds">;
  memory: { counts: number[]; idleSeconds: number };
  /** Before each run, wait up to this long for a quiet machine. */
  quietWaitSeconds: number;
}

const aligned = (seconds: number, concurrency: number | undefined): LagFigure => ({
  id: `lag-1000-cron-c${concurrency ?? "default"}`,
  title: "fire lag p99",
  scenario: { schedules: 1000, timing: "cron", concurrency, seconds },
});

const spread = (seconds: number): LagFigure => ({
  id: "lag-1000-every-spread-c1000",
  title: "fire lag p99",
  scenario: { schedules: 1000, timing: "every", concurrency: 1000, seconds },
});

/** The floor schedule fires at x.500 s, so it never meets croner's whole seconds. */
const floor = (seconds: number): Profile["floor"] => ({
  schedules: 1,
  timing: "every",
  phaseMs: 500,
  concurrency: undefined,
  seconds,
});

export const PROFILES: Record<"quick" | "default", Profile> = {
  quick: {
    repeat: 2,
    warmupSeconds: 3,
    lag: [aligned(30, 1000)],
    floor: floor(20),
    memory: { counts: [0, 100_000], idleSeconds: 12 },
    quietWaitSeconds: 5,
  },
  default: {
    repeat: 2,
    warmupSeconds: 4,
    lag: [aligned(60, 1000), aligned(30, undefined), spread(30)],
    floor: floor(45),
    memory: { counts: [0, 100_000, 1_000_000], idleSeconds: 15 },
    quietWaitSeconds: 10,
  },
};

/** A scenario in words, for the table. */
export function describe(scenario: Omit<LagScenario, "warmupSeconds">): string {
  const n = scenario.schedules.toLocaleString("en");
  const timing =
    scenario.timing === "cron"
      ? `cron "* * * * * *" (same second)`
      : scenario.phaseMs === undefined
        ? `every "1s", phases spread over the second`
        : `every "1s" (at x.${String(scenario.phaseMs).padStart(3, "0")} s)`;
  const concurrency =
    scenario.concurrency === undefined ? "default options" : `concurrency ${scenario.concurrency}`;
  const lookahead = scenario.lookahead === undefined ? "" : `, lookahead ${scenario.lookahead}`;
  return `${n} × ${timing}, ${scenario.seconds} s, ${concurrency}${lookahead}`;
}

/** Reads the command line: the profile, with --repeat, --seconds, --concurrency, --lookahead applied. */
export function readOptions(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: "boolean", default: false },
      repeat: { type: "string" },
      only: { type: "string" },
      label: { type: "string" },
      seconds: { type: "string" },
      concurrency: { type: "string" },
      lookahead: { type: "string" },
      "quiet-wait": { type: "string" },
    },
  });
  const profileName = values.quick ? "quick" : "default";
  const profile: Profile = structuredClone(PROFILES[profileName]);
  if (values.repeat !== undefined) profile.repeat = Math.max(1, Number(values.repeat));
  if (values.seconds !== undefined) {
    const seconds = Math.max(1, Number(values.seconds));
    for (const figure of profile.lag) figure.scenario.seconds = seconds;
    profile.floor.seconds = seconds;
  }
  const first = profile.lag[0];
  if (values.concurrency !== undefined && first !== undefined) {
    profile.lag[0] = aligned(first.scenario.seconds, Number(values.concurrency));
  }
  if (values.lookahead !== undefined) {
    for (const figure of profile.lag) figure.scenario.lookahead = values.lookahead;
    profile.floor.lookahead = values.lookahead;
  }
  if (values["quiet-wait"] !== undefined) profile.quietWaitSeconds = Number(values["quiet-wait"]);
  const only = new Set((values.only ?? "lag,floor,memory").split(",").map((s) => s.trim()));
  return { profileName, profile, only, label: values.label ?? null };
}
