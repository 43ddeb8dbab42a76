import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import {
  applyConfigSchedules,
  loadConfig,
  startConfigReload,
  watchConfig,
  type ConfigWatcher,
  type ScheduleSync,
  type ServiceConfig,
} from "../../../src/config/index.js";
import { ErrorCode } from "../../../src/domain/errors.js";
import { FakeClock } from "../../../src/time/fake-clock.js";
import { backends } from "../../support/backends.js";
import { openTestTaskFlow, until, type TaskFlowFixture } from "../../support/taskflow-fixture.js";

const backend = backends[0]!;

function spyLogger() {
  const logger = { warn: vi.fn(), info: vi.fn(), error: vi.fn(), debug: vi.fn() };
  return logger as typeof logger & Logger;
}

function file(...schedules: string[]): string {
  return ["tasks:", "  report: { module: ./report.mjs }", "schedules:", ...schedules].join("\n") + "\n";
}

describe("hot reload of taskflow.yaml", () => {
  const folder = mkdtempSync(join(tmpdir(), "taskflow-reload-"));
  const path = join(folder, "taskflow.yaml");
  writeFileSync(join(folder, "report.mjs"), "export default { run: () => 'done' };\n");
  let f: TaskFlowFixture | undefined;
  let watcher: ConfigWatcher | undefined;
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  afterEach(async () => {
    await watcher?.close();
    await f?.close();
    watcher = undefined;
    f = undefined;
  });

  /** Saves the way editors do: a new file renamed over the old one. */
  function saveByRename(text: string): void {
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
  }

  it("applies schedule edits without a restart, keeps running through a broken file, and recovers", async () => {
    writeFileSync(path, file("  - { id: often, task: report, every: 30s }"));
    f = await openTestTaskFlow(backend);
    const tf = f.tf;
    tf.task("report", { run: () => undefined });
    const initial = await loadConfig(path, {});
    await applyConfigSchedules(tf, initial);
    const logger = spyLogger();
    const applied: ScheduleSync[] = [];
    const invalid: Error[] = [];
    watcher = startConfigReload(tf, path, initial, logger, {
      onApplied: (sync) => applied.push(sync),
      onInvalid: (error) => invalid.push(error),
      env: {},
    });
    const everyOf = async (id: string) => (await tf.getSchedule(id))?.spec.every;

    // An edit in place.
    writeFileSync(path, file("  - { id: often, task: report, every: 45s }"));
    await until(async () => (await everyOf("often")) === "45s", "the edited interval to apply");
    expect(applied.at(-1)).toMatchObject({ updated: ["often"] });

    // A save by rename, adding a schedule.
    saveByRename(
      file("  - { id: often, task: report, every: 45s }", "  - { id: daily, task: report, every: 1d }"),
    );
    await until(async () => (await tf.getSchedule("daily")) !== null, "the new schedule to be created");

    // A broken file: the node keeps what it runs, and says why.
    saveByRename(
      file("  - { id: often, task: report, every: 45s }", '  - { id: daily, task: report, cron: "nope" }'),
    );
    await until(() => invalid.length === 1, "the broken file to be refused");
    expect(invalid[0]).toMatchObject({ code: ErrorCode.ConfigInvalid });
    expect(invalid[0]?.message).toContain("taskflow.yaml:5:");
    expect(logger.error).toHaveBeenCalledWith(
      expect.objectContaining({ problems: [expect.stringContaining("schedules[1].cron")] }),
      expect.stringContaining("the running configuration is kept"),
    );
    expect(await everyOf("daily")).toBe("1d");
    expect(applied).toHaveLength(2);

    // Fixed again: applied, the schedule it dropped removed.
    writeFileSync(path, file("  - { id: daily, task: report, every: 2d }"));
    await until(async () => (await tf.getSchedule("often")) === null, "the fixed file to apply");
    expect(await everyOf("daily")).toBe("2d");
    expect(applied.at(-1)).toMatchObject({ updated: ["daily"], removed: ["often"] });
  });

  it("warns that a change to tasks or the server needs a restart, and applies the schedules meanwhile", async () => {
    writeFileSync(path, file("  - { id: often, task: report, every: 30s }"));
    f = await openTestTaskFlow(backend);
    f.tf.task("report", { run: () => undefined });
    const initial: ServiceConfig = await loadConfig(path, {});
    await applyConfigSchedules(f.tf, initial);
    const logger = spyLogger();
    const applied: ScheduleSync[] = [];
    watcher = startConfigReload(f.tf, path, initial, logger, {
      onApplied: (sync) => applied.push(sync),
      env: {},
    });

    writeFileSync(path, `server: { port: 9999 }\n${file("  - { id: often, task: report, every: 40s }")}`);
    await until(() => applied.length === 1, "the new version to apply");
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ sections: ["server"] }),
      expect.stringContaining("take effect after a restart"),
    );
    expect((await f.tf.getSchedule("often"))?.spec.every).toBe("40s");
  });

  it("reports each valid version once, in order, and ignores saves that change nothing", async () => {
    writeFileSync(path, file());
    // The debounce runs on a fake clock: the test decides when the quiet time is over.
    const clock = new FakeClock();
    const seen: number[] = [];
    const invalid: Error[] = [];
    watcher = watchConfig(path, {
      logger: spyLogger(),
      env: {},
      clock,
      onReload: (config) => void seen.push(config.schedules.length),
      onInvalid: (error) => invalid.push(error),
    });
    const settle = async (what: string) => {
      await until(() => clock.pendingTimers > 0, `the watcher to see ${what}`);
      await clock.advance(200);
    };

    writeFileSync(path, file("  - { id: a, task: report, every: 1m }"));
    await settle("the first change");
    await until(() => seen.length === 1, "the first change to be reported");
    writeFileSync(path, file("  - { id: a, task: report, every: 1m }"));
    await settle("a save without changes");
    writeFileSync(
      path,
      file("  - { id: a, task: report, every: 1m }", "  - { id: b, task: report, every: 1m }"),
    );
    await settle("the second change");
    await until(() => seen.length >= 2, "the second change to be reported");
    expect(seen).toEqual([1, 2]);

    rmSync(path);
    await settle("the deletion");
    await until(() => invalid.length === 1, "the deleted file to be reported");
    expect(invalid[0]).toMatchObject({ code: ErrorCode.ConfigNotFound });
    // A reload still pending (a late event of an earlier save) finds the file gone too, and
    // says nothing new.
    await clock.advance(200);
    expect(invalid).toHaveLength(1);
  });
});
