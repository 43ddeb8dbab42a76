import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
} from "yaml";
import { formatPath, type ConfigPath, type ConfigProblem } from "./config-problems.js";

/**
 * A parsed taskflow.yaml that remembers where every node came from, so that any problem found
 * later (schema, cron, unknown task…) can name its line and column.
 */
export class YamlSource {
  readonly #lineCounter = new LineCounter();
  readonly document: Document;

  readonly #lines: string[];

  constructor(text: string) {
    this.#lines = text.split(/\r?\n/);
    // YAML 1.2 core schema: `2026-12-25` and `yes` stay strings; duplicate keys are errors.
    this.document = parseDocument(text, {
      lineCounter: this.#lineCounter,
      prettyErrors: false,
      uniqueKeys: true,
      strict: true,
    });
  }

  /** YAML syntax errors (and warnings, which are as likely to be mistakes), located. */
  syntaxProblems(): ConfigProblem[] {
    const hinted = new Set<number>();
    return [...this.document.errors, ...this.document.warnings].map((error) => {
      const { line, col } = this.#lineCounter.linePos(error.pos[0]);
      let message = `YAML: ${firstLine(error.message)}`;
      // `{ port: ${PORT} }`: braces are YAML syntax inside { } and [ ]; say so once per line.
      if (this.#lines[line - 1]?.includes("${") === true && !hinted.has(line)) {
        hinted.add(line);
        message += ' (inside { } or [ ], quote a variable reference: "${PORT}")';
      }
      return { path: "", line, column: col, message };
    });
  }

  /** A problem at a field; `at: "key"` points at the key itself (for "unknown field"). */
  problem(path: ConfigPath, message: string, at: "key" | "value" = "value"): ConfigProblem {
    const { line, column } = this.position(path, at);
    return { path: formatPath(path), line, column, message };
  }

  /** Where a field is, or the nearest enclosing node that exists (a missing field → its parent). */
  position(path: ConfigPath, at: "key" | "value" = "value"): { line: number; column: number } {
    const offset = this.#offset(path, at);
    const { line, col } = this.#lineCounter.linePos(offset);
    return { line, column: col };
  }

  /** The node at a path, when it exists. */
  nodeAt(path: ConfigPath): unknown {
    return this.#walk(path).node;
  }

  #offset(path: ConfigPath, at: "key" | "value"): number {
    const { node, key, complete } = this.#walk(path);
    const target = at === "key" && complete && key !== null ? key : (node ?? key);
    return rangeStart(target) ?? rangeStart(this.document.contents) ?? 0;
  }

  #walk(path: ConfigPath): { node: unknown; key: unknown; complete: boolean } {
    let node: unknown = this.document.contents;
    let key: unknown = null;
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(this.document);
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && keyText(item.key) === String(segment));
        if (pair === undefined) return { node, key, complete: false };
        key = pair.key;
        node = pair.value ?? null;
        // `name:` with no value: the key is the only place there is.
        if (node === null) return { node: key, key, complete: true };
      } else if (isSeq(node) && typeof segment === "number") {
        const item: unknown = node.items[segment];
        if (item === undefined) return { node, key, complete: false };
        key = null;
        node = item;
      } else {
        return { node, key, complete: false };
      }
    }
    return { node, key, complete: true };
  }
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range === undefined || range === null ? undefined : range[0];
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}
