import type { Logger } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { applyConfigSchedules, parseConfig, type ServiceConfig } from "../../../src/config/index.js";
import { backends } from "../../support/backends.js";
import { openTestTaskFlow, type TaskFlowFixture } from "../../support/taskflow-fixture.js";

const SOURCE = "/srv/app/taskflow.yaml";
const TASKS = ["externalTasks: [report, backup]"];

function spyLogger(): Logger & { warn: ReturnType<typeof vi.fn> } {
  const logger = { warn: vi.fn(), info: vi.fn(), error: vi.fn(), debug: vi.fn() };
  return logger as unknown as Logger & { warn: ReturnType<typeof vi.fn> };
}

describe.each(backends)("applyConfigSchedules on $name", (backend) => {
  let f: TaskFlowFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  async function open(): Promise<TaskFlowFixture> {
    f = await openTestTaskFlow(backend);
    f.tf.task("report", { run: () => undefined });
    f.tf.task("backup", { run: () => undefined });
    return f;
  }

  function config(fixture: TaskFlowFixture, ...lines: string[]): ServiceConfig {
    return parseConfig([...TASKS, ...lines].join("\n"), SOURCE, {}, { now: fixture.clock.now() });
  }

  it("creates the file's schedules, changes nothing when applied again, updates and removes", async () => {
    const fixture = await open();
    const first = config(
      fixture,
      "schedules:",
      '  - { id: nightly, task: backup, cron: "0 3 * * *", timezone: Europe/Paris }',
      "  - { id: often, task: report, every: 30s }",
    );
    expect(await applyConfigSchedules(fixture.tf, first)).toEqual({
      created: ["nightly", "often"],
      updated: [],
      unchanged: [],
      removed: [],
      conflicts: [],
      failed: [],
    });
    const created = await fixture.tf.getSchedule("nightly");
    expect(created).toMatchObject({ owner: "file", task: "backup", spec: { cron: "0 3 * * *" } });

    await fixture.clock.advance(60_000);
    expect(await applyConfigSchedules(fixture.tf, first)).toMatchObject({
      created: [],
      updated: [],
      unchanged: ["nightly", "often"],
    });
    expect((await fixture.tf.getSchedule("nightly"))?.updatedAt).toEqual(created?.updatedAt);

    const second = config(
      fixture,
      "schedules:",
      '  - { id: nightly, task: backup, cron: "0 4 * * *", timezone: Europe/Paris }',
      "  - { id: hourly, task: report, every: 1h }",
    );
    expect(await applyConfigSchedules(fixture.tf, second)).toMatchObject({
      created: ["hourly"],
      updated: ["nightly"],
      unchanged: [],
      removed: ["often"],
    });
    expect(await fixture.tf.getSchedule("often")).toBeNull();
    const history = await fixture.tf.scheduleHistory("nightly");
    expect(history.map((change) => [change.action, change.actor])).toEqual([
      ["created", "config:taskflow.yaml"],
      ["updated", "config:taskflow.yaml"],
    ]);
  });

  it("never touches schedules of the API or of code, and reports the file's claim on one as a conflict", async () => {
    const fixture = await open();
    await fixture.tf.schedule("shared", { task: "report", every: "1h" }, { actor: "ada", owner: "api" });
    await fixture.tf.schedule("from-code", { task: "report", every: "2h" });
    const logger = spyLogger();
    const sync = await applyConfigSchedules(
      fixture.tf,
      config(
        fixture,
        "schedules:",
        "  - { id: shared, task: backup, every: 5m }",
        "  - { id: mine, task: backup, every: 5m }",
      ),
      { logger },
    );
    expect(sync).toMatchObject({ created: ["mine"], conflicts: ["shared"], removed: [] });
    expect(await fixture.tf.getSchedule("shared")).toMatchObject({
      owner: "api",
      task: "report",
      spec: { every: "1h" },
    });
    expect(await fixture.tf.getSchedule("from-code")).toMatchObject({ owner: "code", spec: { every: "2h" } });
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ scheduleId: "shared", owner: "api" }),
      expect.stringContaining("left unchanged"),
    );

    // An empty schedules: removes what the file owns, and only that.
    expect(await applyConfigSchedules(fixture.tf, config(fixture, "schedules: []"))).toMatchObject({
      removed: ["mine"],
    });
    expect((await fixture.tf.listSchedules()).map((schedule) => schedule.id).sort()).toEqual([
      "from-code",
      "shared",
    ]);
  });

  it("applies the rest when the engine refuses one schedule, and defines the file's calendars", async () => {
    const fixture = await open();
    const sync = await applyConfigSchedules(
      fixture.tf,
      parseConfig(
        [
          "externalTasks: [report, not-registered-here]",
          'calendars: { holidays: ["2030-12-25"] }',
          "schedules:",
          "  - { id: orphan, task: not-registered-here, every: 5m }",
          "  - { id: weekdays, task: report, cron: '0 9 * * 1-5', calendars: [holidays] }",
        ].join("\n"),
        SOURCE,
        {},
        { now: fixture.clock.now() },
      ),
      { logger: spyLogger() },
    );
    expect(sync.created).toEqual(["weekdays"]);
    expect(sync.failed).toEqual([
      { id: "orphan", message: expect.stringContaining("unknown task") as unknown },
    ]);
    expect(await fixture.tf.getSchedule("weekdays")).toMatchObject({ owner: "file" });
  });
});
