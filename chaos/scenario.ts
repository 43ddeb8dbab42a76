// scenario.ts — what a chaos scenario is: a named run against the real server that injects
// faults and returns figures and the checks its oracle made. The harness (run.ts) turns that
// into one JSON line; a check that fails makes the scenario (and the run) fail.
import type { Random } from "./random.js";

export type ProfileName = "quick" | "soak";

export interface ScenarioContext {
  /** The PostgreSQL server every node and the oracle use. */
  readonly url: string;
  readonly profile: ProfileName;
  /** The run's seed, printed with every result: `--seed` replays the same choices. */
  readonly seed: number;
  /** This scenario's PRNG (forked from the seed by the scenario's name). */
  readonly random: Random;
  /** Where the children's logs go (kept when the scenario fails). */
  readonly logDir: string;
  /** Progress for a person, on stderr. */
  log(message: string): void;
  /**
   * Registers a cleanup that must run even if the harness is interrupted (Ctrl-C) while the
   * scenario runs, such as starting the database server again. Returns the unregister.
   */
  onInterrupt(cleanup: () => Promise<void>): () => void;
}

export interface ScenarioReport {
  /** Faults injected (kills, stops, restarts, clock jumps…). */
  faults: number;
  /** The scenario's own figures, snake_case keys, in the order they should be printed. */
  figures: Record<string, unknown>;
  checks: Checks;
}

export interface Scenario {
  readonly name: string;
  /** One line: what is done and what must hold. */
  readonly summary: string;
  run(context: ScenarioContext): Promise<ScenarioReport>;
}

/** The oracle's verdicts: each failed check is one line saying what was expected. */
export class Checks {
  readonly failed: string[] = [];

  that(condition: boolean, what: string): void {
    if (!condition) this.failed.push(what);
  }

  zero(name: string, value: number): void {
    this.that(value === 0, `${name} = ${value}, expected 0`);
  }

  equal<T>(name: string, value: T, expected: T): void {
    this.that(value === expected, `${name} = ${String(value)}, expected ${String(expected)}`);
  }

  atLeast(name: string, value: number, min: number): void {
    this.that(value >= min, `${name} = ${value}, expected at least ${min}`);
  }

  /** An exception that ended the scenario early is a failed check too. */
  error(error: unknown): void {
    this.failed.push(`error: ${error instanceof Error ? error.message : String(error)}`.slice(0, 2000));
  }

  get passed(): boolean {
    return this.failed.length === 0;
  }
}

/** Percentiles of a list of durations, rounded to ms (null when there are none). */
export function percentiles(values: number[]): { n: number; p50: number; p99: number; max: number } | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
  return { n: values.length, p50: at(0.5), p99: at(0.99), max: Math.round(sorted.at(-1) as number) };
}
