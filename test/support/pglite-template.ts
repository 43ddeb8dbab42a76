import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { inject } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { FakeClock } from "../../src/time/fake-clock.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** A migrated embedded database folder that tests copy instead of creating their own. */
    pgliteTemplate: string;
  }
}

/**
 * Creates a migrated embedded database in a new folder, once per test run (global setup). A
 * new PGlite folder costs an initdb, seconds of WebAssembly; copying this one costs a tenth.
 */
export async function createPgliteTemplate(): Promise<{ folder: string; remove: () => void }> {
  const folder = mkdtempSync(join(tmpdir(), "taskflow-template-"));
  const store = await openStore({ dataDir: folder }, new FakeClock(), pino({ level: "silent" }));
  await store.close();
  return { folder, remove: () => rmSync(folder, { recursive: true, force: true }) };
}

/**
 * A new folder holding a migrated embedded database of its own (schema `taskflow`), for one
 * test; the caller removes it. Without the global setup's template it starts empty, and
 * opening it runs initdb and the migrations.
 */
export function freshPgliteFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), "taskflow-test-"));
  const template = inject("pgliteTemplate");
  if (template !== undefined) cpSync(template, folder, { recursive: true });
  return folder;
}
