// bench/bench-figures.ts — what every bench prints and writes: figures measured `repeat` times,
// a plain-text table of them, and a JSON report in bench/results/.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { median, renderTable } from "./bench-stats.js";

export const RESULTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "results");

/** One figure (a scenario under one setting), measured `repeat` times. */
export interface Figure<Kind extends string = string> {
  id: string;
  kind: Kind;
  title: string;
  setting: string;
  unit: string;
  /** The run field the table shows, one value per run. */
  headline: string;
  target: string;
  runs: Record<string, unknown>[];
  failures: string[];
}

/** One value per run, joined: "12 / 14 / 13". */
export function listRuns(f: Figure, pick: (r: Record<string, unknown>) => unknown): string {
  return f.runs.map((r) => String(pick(r))).join(" / ");
}

export function headlineMedian(f: Figure): number {
  return median(f.runs.map((r) => Number(r[f.headline])));
}

/** Prints figures as a table; `detail` says what else each figure's runs saw. */
export function printFigures<F extends Figure>(figures: F[], detail: (f: F) => string): void {
  const rows = figures.map((f) => {
    const runs =
      listRuns(f, (r) => r[f.headline]) + (f.failures.length > 0 ? ` (${f.failures.length} failed)` : "");
    return [
      f.title,
      f.setting,
      runs,
      String(Math.round(headlineMedian(f) * 100) / 100),
      f.unit,
      f.target,
      detail(f),
    ];
  });
  console.log(renderTable(["figure", "setting", "runs", "median", "unit", "target", "detail"], rows));
}

/** The figures with their medians, as the JSON report stores them. */
export function withMedians<F extends Figure>(figures: F[]): (F & { median: number })[] {
  return figures.map((f) => ({ ...f, median: Math.round(headlineMedian(f) * 100) / 100 }));
}

/** Writes the report to bench/results/<name>.json and returns the path. */
export function writeResults(name: string, report: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = resolve(RESULTS_DIR, `${name.replace(/[^\w.-]/g, "_")}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

/** A file-name-safe timestamp: 2026-11-23T15-03-57-931Z. */
export function fileStamp(at: Date): string {
  return at.toISOString().replace(/[:.]/g, "-");
}

/** The database URL without its password, for reports. */
export function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== "") parsed.password = "***";
  return parsed.toString();
}
