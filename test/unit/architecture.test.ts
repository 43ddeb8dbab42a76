// The layout rules of DESIGN.md §3, checked on the source: no import cycles, and dependencies
// point inward (domain and time import nothing of ours; the engine knows the Store port only).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(new URL("../../src", import.meta.url).pathname);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

/** file (relative to src) → the files of ours it imports (relative to src). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, "utf8");
    const targets = [...text.matchAll(/(?:from|import)\s+["'](\.{1,2}\/[^"']+)["']/g)].map((match) =>
      relative(SRC, resolve(dirname(file), (match[1] as string).replace(/\.js$/, ".ts"))),
    );
    graph.set(relative(SRC, file), targets);
  }
  return graph;
}

function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === "done") return null;
    if (state.get(node) === "visiting") return [...path.slice(path.indexOf(node)), node];
    state.set(node, "visiting");
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle !== null) return cycle;
    }
    path.pop();
    state.set(node, "done");
    return null;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle !== null) return cycle;
  }
  return null;
}

describe("source layout", () => {
  const graph = importGraph();

  it("reads the whole source tree", () => {
    expect(graph.size).toBeGreaterThan(20);
    for (const targets of graph.values())
      for (const target of targets) expect(graph.has(target), target).toBe(true);
  });

  it("has no import cycles", () => {
    expect(findCycle(graph)).toBeNull();
  });

  it("keeps domain/ and time/ free of imports from the rest of TaskFlow", () => {
    for (const [file, targets] of graph) {
      const area = file.split("/")[0] as string;
      if (area !== "domain" && area !== "time") continue;
      for (const target of targets) expect([file, target.split("/")[0]]).toEqual([file, area]);
    }
  });

  it("lets the engine (worker, maintenance) use the Store port and never an adapter", () => {
    for (const [file, targets] of graph) {
      if (!file.startsWith("worker/") && !file.startsWith("maintenance/")) continue;
      for (const target of targets)
        expect([file, target.startsWith("store/postgres/")]).toEqual([file, false]);
    }
  });

  it("has no import of the CLI from the library", () => {
    for (const [file, targets] of graph) {
      if (file.startsWith("cli/")) continue;
      for (const target of targets) expect([file, target.startsWith("cli/")]).toEqual([file, false]);
    }
  });
});
