/**
 * What the control verbs print for people: aligned tables, state colours, local times and ages.
 * Escape codes only on a terminal, and never with `--no-color` or `NO_COLOR`; text that comes
 * from jobs (errors, logs) is stripped of control characters so it cannot drive the terminal.
 */

export type Colour = "red" | "green" | "yellow" | "cyan" | "dim" | "bold";

const SGR: Record<Colour, [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
};

const STATE_COLOURS: Record<string, Colour> = {
  succeeded: "green",
  active: "green",
  ok: "green",
  dead: "red",
  failed: "red",
  fail: "red",
  compensation_failed: "red",
  running: "yellow",
  compensating: "yellow",
  warn: "yellow",
  queued: "cyan",
  paused: "dim",
  cancelled: "dim",
  skipped: "dim",
  skip: "dim",
};

export interface Column {
  header: string;
  /** Cells longer than this are cut with `…` (the full value is in `show` and `--json`). */
  max?: number;
  /** May shrink further to fit the terminal. */
  flex?: boolean;
  align?: "left" | "right";
}

export type Cell = string | { text: string; colour?: Colour | undefined };

export interface OutputOptions {
  color: boolean;
  /** Terminal width when stdout is a terminal. */
  width?: number | undefined;
  /** The viewer's clock, for ages ("3 min ago"). @defaultValue Date.now */
  now?: () => number;
}

export class Output {
  readonly color: boolean;
  readonly #width: number | undefined;
  readonly #now: () => number;

  constructor(options: OutputOptions) {
    this.color = options.color;
    this.#width = options.width;
    this.#now = options.now ?? Date.now;
  }

  paint(text: string, colour: Colour | undefined): string {
    if (!this.color || colour === undefined || text === "") return text;
    const [on, off] = SGR[colour];
    return `\u001b[${on}m${text}\u001b[${off}m`;
  }

  /** A state (job, schedule, check) in its colour. */
  state(state: string, width = 0): string {
    return this.paint(state.padEnd(width), STATE_COLOURS[state]);
  }

  stateCell(state: string): Cell {
    return { text: state, colour: STATE_COLOURS[state] };
  }

  line(text = ""): void {
    console.log(text);
  }

  json(document: unknown): void {
    console.log(JSON.stringify(document, null, 2));
  }

  /** Prints `label  value` pairs, labels aligned. */
  fields(pairs: [string, string][]): void {
    const width = Math.max(0, ...pairs.map(([label]) => label.length));
    for (const [label, value] of pairs) this.line(`${this.paint(label.padEnd(width), "dim")}  ${value}`);
  }

  heading(text: string): void {
    this.line();
    this.line(this.paint(text, "bold"));
  }

  table(columns: Column[], rows: Cell[][]): void {
    for (const line of renderTable(columns, rows, { color: this.color, width: this.#width }, this))
      this.line(line);
  }

  /** `2025-06-01 14:03:05 (3 min ago)` in the viewer's zone; `-` when absent. */
  when(value: string | Date | null | undefined): string {
    if (value === null || value === undefined) return "-";
    return `${localTime(value)} (${age(value, this.#now())})`;
  }

  /** `3 min ago` / `in 5 min`; `-` when absent. */
  age(value: string | Date | null | undefined): string {
    return value === null || value === undefined ? "-" : age(value, this.#now());
  }
}

/** The output style of a command: colours only on a terminal, unless turned off. */
export function outputOf(flags: { color?: boolean }): Output {
  const tty = process.stdout.isTTY === true;
  const noColorEnv = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "";
  return new Output({
    color: tty && flags.color !== false && !noColorEnv && process.env.TERM !== "dumb",
    width: tty ? process.stdout.columns : undefined,
  });
}

/** Lines of an aligned table with a header; widths are measured on the text before colouring. */
export function renderTable(
  columns: Column[],
  rows: Cell[][],
  options: { color: boolean; width?: number | undefined },
  painter: Pick<Output, "paint"> = new Output({ color: options.color }),
): string[] {
  const cells = rows.map((row) =>
    columns.map((_, i) => {
      const cell = row[i] ?? "";
      return typeof cell === "string" ? { text: oneLine(cell) } : { ...cell, text: oneLine(cell.text) };
    }),
  );
  const widths = columns.map((column, i) =>
    Math.min(
      column.max ?? Number.POSITIVE_INFINITY,
      Math.max(column.header.length, ...cells.map((row) => row[i]?.text.length ?? 0)),
    ),
  );
  if (options.width !== undefined) fitTo(options.width, columns, widths);
  const pad = (text: string, i: number) => {
    const width = widths[i] ?? 0;
    const cut = truncate(text, width);
    if (columns[i]?.align === "right") return cut.padStart(width);
    return i === columns.length - 1 ? cut : cut.padEnd(width);
  };
  const header = columns.map((column, i) => painter.paint(pad(column.header, i), "bold")).join("  ");
  const body = cells.map((row) =>
    row.map((cell, i) => painter.paint(pad(cell.text, i), cell.colour)).join("  "),
  );
  return [header, ...body].map((line) => line.trimEnd());
}

/** Shrinks the flexible columns, widest first, until the table fits the terminal. */
function fitTo(total: number, columns: Column[], widths: number[]): void {
  const least = (i: number) => Math.max(8, columns[i]?.header.length ?? 0);
  let excess = widths.reduce((sum, w) => sum + w, 0) + 2 * (widths.length - 1) - total;
  while (excess > 0) {
    let widest = -1;
    columns.forEach((column, i) => {
      if (
        column.flex === true &&
        (widths[i] ?? 0) > least(i) &&
        (widest < 0 || (widths[i] ?? 0) > (widths[widest] ?? 0))
      )
        widest = i;
    });
    if (widest < 0) return;
    const cut = Math.min(excess, (widths[widest] ?? 0) - least(widest));
    widths[widest] = (widths[widest] ?? 0) - cut;
    excess -= cut;
  }
}

export function truncate(text: string, width: number): string {
  if (text.length <= width) return text;
  return width <= 1 ? text.slice(0, width) : `${text.slice(0, width - 1)}…`;
}

// eslint-disable-next-line no-control-regex -- control characters are what this removes
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
// eslint-disable-next-line no-control-regex -- terminal escape sequences are what this removes
const ESCAPE = /\u001b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])/g;

// eslint-disable-next-line no-control-regex -- control characters but newline and tab
const BLOCK_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Text from the service on one line, without escape sequences or control characters. */
export function oneLine(text: string): string {
  return text
    .replace(ESCAPE, "")
    .replace(/\s*[\r\n]+\s*/g, " ")
    .replace(CONTROL, " ");
}

/** Text from the service over several lines (stacks, logs), without escape sequences. */
export function block(text: string): string {
  return text.replace(ESCAPE, "").replace(/\r\n?/g, "\n").replace(BLOCK_CONTROL, "");
}

/** `2025-06-01 14:03:05` in the viewer's time zone. */
export function localTime(value: string | Date): string {
  const date = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return String(value);
  const two = (n: number) => String(n).padStart(2, "0");
  return (
    `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`
  );
}

/** `3 min ago`, `in 2 h`, `just now`. */
export function age(value: string | Date, now: number): string {
  const at = (typeof value === "string" ? new Date(value) : value).getTime();
  if (Number.isNaN(at)) return "?";
  const diff = now - at;
  if (Math.abs(diff) < 1000) return "just now";
  return diff > 0 ? `${span(diff)} ago` : `in ${span(-diff)}`;
}

function span(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} d`;
}
