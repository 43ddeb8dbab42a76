// bench/compare-report.ts — the comparison `npm run bench` prints: one table per figure (every
// system, every run), then TaskFlow against the best peer in each row and against the goals.
import { median, percentile, renderTable, round } from "./bench-stats.js";
import { GOALS, type FigureSpec } from "./compare-profiles.js";
import { labelOf, type VariantResult } from "./compare-run.js";

type Run = Record<string, unknown>;

/** One system's value in one row. */
export interface Cell {
  id: string;
  label: string;
  system: string;
  settings: string;
  runs: number[];
  /** The median of the runs; for cron, the percentile over every fire of every run. */
  value: number | null;
  /** Some run stopped at its cap before the backlog drained, or took fewer samples than asked. */
  capped: boolean;
  /** Cron rows: how far apart the schedule's occurrences are (1,000 or 60,000 ms). */
  periodMs: number | null;
  detail: string;
}

/** A summary row: TaskFlow against the best peer. */
export interface SummaryRow {
  figure: string;
  unit: string;
  better: "higher" | "lower";
  taskflow: number | null;
  bestPeer: string | null;
  bestPeerValue: number | null;
  /** TaskFlow ÷ best peer. */
  ratio: number | null;
  /** Reference only (croner: an in-process timer, the floor; not a peer). */
  floor?: number | null;
}

const fmt = (x: number | null | undefined, unit = ""): string => {
  if (x === null || x === undefined || !Number.isFinite(x)) return "-";
  const digits = unit === "ms" ? (x < 100 ? 2 : 0) : x < 100 ? 1 : 0;
  return x.toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: digits });
};

const busy = (runs: Run[]) =>
  `busy ${runs.map((r) => String((r.cpu as { machineBusyPct?: number } | undefined)?.machineBusyPct ?? "?")).join("/")}%`;
const list = (runs: Run[], key: string) => runs.map((r) => fmt(r[key] as number)).join(" / ");
const count = (runs: Run[], key: string) => runs.map((r) => String(r[key])).join(" / ");

function detailOf(figure: string, runs: Run[]): string {
  if (runs.length === 0) return "";
  if (figure === "bulk") return `cpu/1k ${list(runs, "cpuMsPerThousandJobs")} ms; ${busy(runs)}`;
  if (figure === "single")
    return `call p50 ${list(runs, "callMsP50")} ms, p99 ${list(runs, "callMsP99")} ms; cpu/1k ${list(runs, "cpuMsPerThousandJobs")} ms; ${busy(runs)}`;
  if (figure.startsWith("e2e")) {
    const capped = runs.filter((r) => r.drained === false);
    const cap =
      capped.length > 0
        ? `NOT DRAINED: ${capped.map((r) => `${String(r.completed)} of ${String(r.jobs)} in ${String(r.seconds)} s`).join(", ")}; `
        : "";
    return `${cap}startup ${list(runs, "startupMs")} ms; cpu/1k ${list(runs, "cpuMsPerThousandJobs")} ms; ${busy(runs)}`;
  }
  if (figure === "pickup") {
    const short = runs.some((r) => Number(r.samples) < Number(r.samplesWanted));
    // The enqueue call's own round trip: a pickup waits for that commit, so this is close to its floor.
    return `p50 ${list(runs, "p50Ms")} ms; enqueue call p50 ${list(runs, "enqueueRoundTripP50Ms")} ms; n ${count(runs, "samples")}${short ? " (capped)" : ""}; ${busy(runs)}`;
  }
  const missing = runs.reduce((n, r) => n + Number(r.missing ?? 0), 0);
  return `p50 ${list(runs, "p50Ms")} ms; max ${list(runs, "maxMs")} ms; n ${count(runs, "samples")}${missing > 0 ? `; ${missing} missing` : ""}; every ${Number(runs[0]?.periodMs) / 1000} s`;
}

/** Every system's cell in one row. */
export function cellsOf(spec: FigureSpec, results: VariantResult[]): Cell[] {
  return results.flatMap((result) => {
    const figure = result.figures[spec.id];
    if (figure === undefined) return [];
    const runs = figure.runs;
    // A run with no samples (a capped pickup of a system that polls every few seconds) has no value.
    const values = runs
      .map((r) => r[spec.headline])
      .filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    let value: number | null = values.length === 0 ? null : median(values);
    if (spec.id === "cron" && runs.length > 0) {
      const all = runs.flatMap((r) => (r.lagsMs as number[] | undefined) ?? []);
      value = all.length === 0 ? null : percentile(all, spec.headline === "p50Ms" ? 50 : 99);
      // Minute-granularity schedules fire a few times in one shared window: each fire is a run.
      if (runs.every((r) => Number(r.periodMs) >= 60_000)) values.splice(0, values.length, ...all);
    }
    const capped =
      runs.some((r) => r.drained === false) || runs.some((r) => Number(r.samples) < Number(r.samplesWanted));
    return [
      {
        id: result.id,
        label: labelOf(result),
        system: result.system,
        settings: result.settings?.name ?? "?",
        runs: values,
        value,
        capped,
        periodMs: spec.id === "cron" ? Number(runs[0]?.periodMs ?? Number.NaN) || null : null,
        detail:
          detailOf(spec.id, runs) +
          (figure.failures.length > 0 ? `; ${figure.failures.length} FAILED` : "") +
          (result.serverRestarts > 0 ? "; PostgreSQL RESTARTED during these runs" : ""),
      },
    ];
  });
}

export function printFigureTable(spec: FigureSpec, cells: Cell[]): void {
  const reading = spec.better === "higher" ? "higher is better" : "lower is better";
  const valueName = spec.id === "cron" ? "all fires" : "median";
  console.log(`\n${spec.title} — ${spec.setting} (${spec.unit}, ${reading})`);
  const rows = cells.map((c) => [
    c.label,
    c.runs.map((x) => fmt(x, spec.unit)).join(" / "),
    `${fmt(c.value, spec.unit)}${c.capped ? " *" : ""}`,
    c.detail,
  ]);
  console.log(renderTable(["system", "runs", valueName, "detail"], rows));
}

const isPeer = (c: Cell) => c.system !== "TaskFlow" && !c.system.startsWith("croner");

export function summaryRow(title: string, spec: FigureSpec, cells: Cell[]): SummaryRow {
  const taskflow = cells.find((c) => c.system === "TaskFlow")?.value ?? null;
  const peers = cells.filter((c) => isPeer(c) && c.value !== null);
  const best = peers.reduce<Cell | null>((b, c) => {
    if (b === null) return c;
    return (spec.better === "higher" ? (c.value ?? 0) > (b.value ?? 0) : (c.value ?? 0) < (b.value ?? 0))
      ? c
      : b;
  }, null);
  const floor = cells.find((c) => c.system.startsWith("croner"))?.value;
  return {
    figure: title,
    unit: spec.unit,
    better: spec.better,
    taskflow,
    bestPeer: best?.label ?? null,
    bestPeerValue: best?.value ?? null,
    ratio: taskflow !== null && best?.value ? round(taskflow / best.value, 2) : null,
    ...(floor === undefined ? {} : { floor }),
  };
}

export function printSummary(rows: SummaryRow[]): void {
  console.log("\nTaskFlow against the best peer in each row (ratio = TaskFlow ÷ best peer)");
  const table = rows.map((r) => {
    const ahead =
      r.ratio === null
        ? "-"
        : (r.better === "higher" ? r.ratio >= 1 : r.ratio <= 1)
          ? "TaskFlow ahead"
          : "TaskFlow behind";
    return [
      r.figure,
      `${fmt(r.taskflow, r.unit)} ${r.unit}`,
      r.bestPeer === null ? "-" : `${r.bestPeer}: ${fmt(r.bestPeerValue, r.unit)}`,
      r.ratio === null ? "-" : `${r.ratio.toFixed(2)}×`,
      `${r.better} is better; ${ahead}${r.floor === undefined ? "" : `; croner floor ${fmt(r.floor, "ms")} ms`}`,
    ];
  });
  console.log(renderTable(["figure", "TaskFlow", "best peer", "ratio", "reading"], table));
}

export interface GoalResult {
  goal: string;
  figure: string;
  taskflow: number | null;
  against: string;
  ratio: number | null;
  met: boolean | null;
}

/** The goals of the brief, for each end-to-end row and the latency rows. */
export function evaluateGoals(cellsById: Map<string, Cell[]>): GoalResult[] {
  const out: GoalResult[] = [];
  const tf = (cells: Cell[]) => cells.find((c) => c.system === "TaskFlow")?.value ?? null;
  for (const goal of GOALS) {
    const figures = [...cellsById.keys()].filter(
      (id) => id === goal.figure || id.startsWith(`${goal.figure}-`),
    );
    for (const figure of figures) {
      const cells = cellsById.get(figure) ?? [];
      const mine = tf(cells);
      if (goal.peer === null) {
        out.push({
          goal: goal.text,
          figure,
          taskflow: mine,
          against: `${goal.limitMs} ms`,
          ratio: null,
          met: mine === null ? null : mine <= goal.limitMs,
        });
        continue;
      }
      const [system, settings] = goal.peer.startsWith("Graphile")
        ? ["Graphile Worker", goal.peer.split(" ").at(-1)]
        : [goal.peer, undefined];
      const peers = cells.filter(
        (c) => c.system === system && (settings === undefined || c.settings === settings) && c.value !== null,
      );
      const higher = figure.startsWith("e2e");
      const best = peers.sort((a, b) =>
        higher ? (b.value ?? 0) - (a.value ?? 0) : (a.value ?? 0) - (b.value ?? 0),
      )[0];
      const ratio = mine !== null && best?.value ? round(mine / best.value, 2) : null;
      out.push({
        goal: goal.text,
        figure,
        taskflow: mine,
        against: best === undefined ? "not measured" : `${best.label}: ${fmt(best.value)}`,
        ratio,
        met: ratio === null ? null : higher ? ratio >= goal.factor : ratio <= goal.factor,
      });
    }
  }
  return out;
}

export function printGoals(goals: GoalResult[]): void {
  console.log("\nGoals");
  const rows = goals.map((g) => [
    g.goal,
    g.figure,
    fmt(g.taskflow),
    g.against,
    g.ratio === null ? "-" : `${g.ratio.toFixed(2)}×`,
    g.met === null ? "not measured" : g.met ? "met" : "NOT met",
  ]);
  console.log(renderTable(["goal", "row", "TaskFlow", "against", "ratio", ""], rows));
}

/**
 * Every table: one per figure, TaskFlow against the best peer in each row, the goals. Cron rows
 * compare like with like: the every-second schedulers, then (separately) the minute-granularity
 * ones, whose lateness is not the same figure.
 */
export function reportComparison(results: VariantResult[], specs: FigureSpec[]) {
  const cellsById = new Map<string, Cell[]>();
  for (const spec of specs) {
    const cells = cellsOf(spec, results);
    if (cells.length === 0) continue;
    cellsById.set(spec.id, cells);
    printFigureTable(spec, cells);
  }
  const summary = specs.flatMap((spec) => {
    const cells = cellsById.get(spec.id);
    if (cells === undefined) return [];
    const title = `${spec.title}${spec.id.startsWith("e2e") ? ` (${spec.setting.split(", ")[1] ?? ""})` : ""}`;
    if (spec.id !== "pickup" && spec.id !== "cron") return [summaryRow(title, spec, cells)];
    const p50 = { ...spec, headline: "p50Ms" };
    const p50Cells = cellsOf(p50, results);
    if (spec.id === "pickup")
      return [summaryRow(title.replace("p99", "p50"), p50, p50Cells), summaryRow(title, spec, cells)];
    const taskflowOr = (keep: (c: Cell) => boolean) => (c: Cell) => c.system === "TaskFlow" || keep(c);
    const second = taskflowOr((c) => (c.periodMs ?? 0) <= 1000);
    const minute = taskflowOr((c) => (c.periodMs ?? 0) >= 60_000);
    const rows = [
      summaryRow("cron lateness p50 (every-second schedulers)", p50, p50Cells.filter(second)),
      summaryRow("cron lateness p99 (every-second schedulers)", spec, cells.filter(second)),
    ];
    if (cells.some((c) => (c.periodMs ?? 0) >= 60_000))
      rows.push(
        summaryRow("cron lateness p50 (minute-cron peers)", p50, p50Cells.filter(minute)),
        summaryRow("cron lateness p99 (minute-cron peers)", spec, cells.filter(minute)),
      );
    return rows;
  });
  printSummary(summary);
  const goals = evaluateGoals(cellsById);
  printGoals(goals);
  return { cellsById, summary, goals };
}
