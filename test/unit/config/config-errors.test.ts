import { describe, expect, it } from "vitest";
import { ErrorCode, InvalidInputError } from "../../../src/domain/errors.js";
import { parse, problemsOf, yaml } from "./config-fixtures.js";

// Seven lines, no trailing newline: a file that adds lines after them starts at line 8.
const TASKS = [
  "executors:",
  "  shell: { enabled: true }",
  "tasks:",
  "  backup:",
  "    shell: { command: [tar, czf, /tmp/b.tgz, /data] }",
  "  ping:",
  "    http: { url: http://127.0.0.1:8080/healthz }",
].join("\n");

describe("configuration errors", () => {
  it("points a schema error at the value, with the field's path", () => {
    const problems = problemsOf(yaml("server:", "  host: 127.0.0.1", "  port: eighty"));
    expect(problems).toEqual([
      { path: "server.port", line: 3, column: 9, message: 'must be a whole number, got "eighty"' },
    ]);
  });

  it("refuses an unknown field at its key, suggesting the field meant", () => {
    const problems = problemsOf(yaml("tasks: {}", "shedules:", "  - { id: a, task: t, every: 1m }"));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: "shedules", line: 2, column: 1 });
    expect(problems[0]?.message).toContain('unknown field "shedules"; did you mean schedules?');
  });

  it("refuses unknown fields deep inside a schedule", () => {
    const problems = problemsOf(
      yaml(TASKS, "schedules:", "  - id: a", "    task: ping", "    every: 1m", "    timzone: UTC"),
    );
    expect(problems).toEqual([
      expect.objectContaining({ path: "schedules[0].timzone", line: 12, column: 5 }),
    ]);
    expect(problems[0]?.message).toContain("did you mean timezone?");
  });

  it("says what a duration, a size or a policy must be", () => {
    const problems = problemsOf(
      yaml(
        "server: { bodyLimit: 1 megabyte }",
        "worker: { leaseDuration: soon }",
        TASKS,
        "schedules:",
        "  - { id: a, task: ping, every: 1m, overlap: sometimes }",
      ),
    );
    expect(problems.map((p) => [p.path, p.line, p.column])).toEqual([
      ["server.bodyLimit", 1, 22],
      ["worker.leaseDuration", 2, 26],
      ["schedules[0].overlap", 11, 46],
    ]);
    expect(problems[0]?.message).toContain('a size like "512kb"');
    expect(problems[1]?.message).toContain('a duration: milliseconds, or text like "500ms"');
    expect(problems[2]?.message).toBe('must be one of "allow", "skip", "queue", "replace", got "sometimes"');
  });

  it("reports a missing required field at the mapping that lacks it", () => {
    const problems = problemsOf(yaml(TASKS, "schedules:", "  - id: a", "    every: 1m"));
    expect(problems).toEqual([
      { path: "schedules[0].task", line: 9, column: 5, message: "task is required" },
    ]);
  });

  it("gives YAML syntax errors a line and column", () => {
    const problems = problemsOf(yaml("server:", "  port: 8080", "  host: localhost: 8080", "worker: {}"));
    expect(problems[0]).toEqual({
      path: "",
      line: 3,
      column: 9,
      message: "YAML: Nested mappings are not allowed in compact mappings",
    });
  });

  it("refuses a key given twice", () => {
    const problems = problemsOf(yaml("server: { port: 1 }", "server: { port: 2 }"));
    expect(problems).toEqual([expect.objectContaining({ line: 2, column: 1 })]);
    expect(problems[0]?.message).toContain("unique");
  });

  it("points a bad cron expression at the cron field", () => {
    const problems = problemsOf(
      yaml(
        TASKS,
        "schedules:",
        "  - { id: a, task: ping, every: 1m }",
        '  - { id: b, task: ping, cron: "0 3 * *" }',
      ),
    );
    expect(problems).toEqual([expect.objectContaining({ path: "schedules[1].cron", line: 10, column: 32 })]);
    expect(problems[0]?.message).toContain("invalid cron expression '0 3 * *'");
  });

  it("points an unknown time zone at the timezone field", () => {
    const problems = problemsOf(
      yaml(
        TASKS,
        "schedules:",
        "  - id: a",
        "    task: backup",
        '    cron: "0 3 * * *"',
        "    timezone: Europe/Pariss",
      ),
    );
    expect(problems).toEqual([
      expect.objectContaining({ path: "schedules[0].timezone", line: 12, column: 15 }),
    ]);
    expect(problems[0]?.message).toContain('unknown time zone "Europe/Pariss"');
  });

  it("points a schedule naming an undeclared task at its task field, suggesting the close one", () => {
    const problems = problemsOf(yaml(TASKS, "schedules:", "  - { id: a, task: bakup, every: 1m }"));
    expect(problems).toEqual([expect.objectContaining({ path: "schedules[0].task", line: 9, column: 20 })]);
    expect(problems[0]?.message).toContain('unknown task "bakup" (did you mean backup?)');
    expect(problems[0]?.message).toContain("externalTasks");
  });

  it("refuses a schedule id used twice, naming the line of the first", () => {
    const problems = problemsOf(
      yaml(
        TASKS,
        "schedules:",
        "  - { id: same, task: ping, every: 1m }",
        "  - { id: same, task: backup, every: 2m }",
      ),
    );
    expect(problems).toEqual([
      {
        path: "schedules[1].id",
        line: 10,
        column: 11,
        message: 'duplicate schedule id "same" (also used on line 9)',
      },
    ]);
  });

  it("refuses a shell task when shell jobs are not enabled, pointing at the task", () => {
    const problems = problemsOf(yaml("tasks:", "  backup:", "    shell: { command: [ls] }"));
    expect(problems).toEqual([expect.objectContaining({ path: "tasks.backup.shell", line: 3, column: 5 })]);
    expect(problems[0]?.message).toContain("executors.shell.enabled: true");
  });

  it("passes the executors' own checks through, at the field they name", () => {
    const problems = problemsOf(
      yaml(
        "executors: { shell: { enabled: true } }",
        "tasks:",
        "  a: { shell: { command: [ls], env: { TASKFLOW_JOB_ID: x } } }",
        "  b:",
        "    http:",
        "      url: ftp://example.com/x",
      ),
    );
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ["tasks.a.shell.env", 3],
      ["tasks.b.http.url", 6],
    ]);
  });

  it("refuses a task with no kind or two kinds, and a timeout given twice", () => {
    const problems = problemsOf(
      yaml(
        "executors: { shell: { enabled: true } }",
        "tasks:",
        "  none: { timeout: 1m }",
        "  two: { module: ./a.mjs, http: { url: http://x.test } }",
        "  twice: { timeout: 1m, shell: { command: [ls], timeout: 2m } }",
      ),
    );
    expect(problems.map((p) => p.path)).toEqual(["tasks.none", "tasks.two", "tasks.twice.shell.timeout"]);
    expect(problems[0]?.message).toContain("exactly one of module (code), shell or http; got none");
  });

  it("refuses a rate limit without a window, a zero concurrency-key limit, and an empty window", () => {
    const schemaProblems = problemsOf(
      yaml(
        TASKS,
        "  a: { http: { url: http://127.0.0.1:8080/a }, rateLimit: { max: 5 } }",
        "  c: { http: { url: http://127.0.0.1:8080/c }, concurrencyKey: db, concurrencyKeyLimit: 0 }",
      ),
    );
    expect(schemaProblems.map((p) => [p.path, p.line])).toEqual([
      ["tasks.a.rateLimit.per", 8],
      ["tasks.c.concurrencyKeyLimit", 9],
    ]);
    const empty = problemsOf(
      yaml(TASKS, "  b: { http: { url: http://127.0.0.1:8080/b }, rateLimit: { max: 5, per: 0s } }"),
    );
    expect(empty).toEqual([
      expect.objectContaining({
        path: "tasks.b.rateLimit.per",
        line: 8,
        message: "the window must be at least 1ms",
      }),
    ]);
  });

  it("refuses retry fields of the other kind", () => {
    const problems = problemsOf(yaml("taskDefaults:", "  retry: { kind: fixed, delay: 5s, factor: 3 }"));
    expect(problems).toEqual([
      expect.objectContaining({ path: "taskDefaults.retry.factor", line: 2, column: 36 }),
    ]);
  });

  it("refuses calendars with bad dates and schedules naming undeclared calendars", () => {
    const problems = problemsOf(
      yaml(
        TASKS,
        'calendars: { holidays: ["2030-12-25", "2030-13-01"] }',
        "schedules:",
        "  - { id: a, task: ping, every: 1d, calendars: [holiday] }",
      ),
    );
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ["calendars.holidays[1]", 8],
      ["schedules[0].calendars[0]", 10],
    ]);
  });

  it("refuses an after naming no schedule of the file, schedules following each other in a circle, and time options on a follower", () => {
    const problems = problemsOf(
      yaml(
        TASKS,
        "schedules:",
        "  - { id: etl, task: backup, cron: '0 2 * * *' }",
        "  - { id: report, task: ping, after: elt }",
        "  - { id: a, task: ping, after: { schedule: b, onFailure: fail } }",
        "  - { id: b, task: ping, after: a }",
        "  - { id: late, task: ping, after: etl, jitter: 5m }",
        "  - { id: ok, task: ping, after: { schedule: etl, onFailure: continue } }",
      ),
    );
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ["schedules[1].after", 10],
      ["schedules[2].after", 11],
      ["schedules[3].after", 12],
      ["schedules[4].jitter", 13],
    ]);
    expect(problems[0]?.message).toBe(
      'unknown schedule "elt" (did you mean etl?): after must name a schedule of this file',
    );
    expect(problems[1]?.message).toContain("schedules a → b → a follow each other in a circle");
    expect(problems[3]?.message).toContain("jitter does not apply to a schedule with after");
  });

  it("lists every problem of the file in the message, as file:line:column path: message", () => {
    const error = (() => {
      try {
        parse(
          yaml(
            TASKS,
            "schedules:",
            "  - { id: a, task: nope, every: 1m }",
            '  - { id: b, task: ping, cron: "x" }',
          ),
        );
      } catch (caught) {
        return caught as InvalidInputError;
      }
      throw new Error("expected the file to be refused");
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.code).toBe(ErrorCode.ConfigInvalid);
    expect(error.message).toMatch(/^taskflow\.yaml is not valid \(2 problems\):\n/);
    expect(error.message).toContain("\n  taskflow.yaml:9:20 schedules[0].task: unknown task");
    expect(error.message).toContain("\n  taskflow.yaml:10:32 schedules[1].cron: ");
  });

  it("refuses a database that is not a PostgreSQL URL", () => {
    const problems = problemsOf(yaml("database: mysql://localhost/app"));
    expect(problems).toEqual([expect.objectContaining({ path: "database", line: 1, column: 11 })]);
  });
});
