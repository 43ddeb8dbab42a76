// The pieces under the control verbs, in process: table layout and colours, sanitizing text from
// jobs, ages, exit-code mapping of API errors, and the read-only migration check.
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { exitCodeOf } from "../../../src/cli/api-client.js";
import { Output, age, block, oneLine, renderTable } from "../../../src/cli/output.js";
import { PgliteDriver } from "../../../src/store/postgres/drivers/pglite-driver.js";
import { migrate } from "../../../src/store/postgres/migrate.js";
import { migrationStatusOf, readMigrationStatus } from "../../../src/store/postgres/migration-status.js";

const ESC = "\u001b";

describe("CLI output", () => {
  it("aligns columns on the text, colours after padding, and cuts long cells", () => {
    const out = new Output({ color: true });
    const lines = renderTable(
      [{ header: "ID" }, { header: "STATE" }, { header: "ERROR", max: 10 }],
      [
        ["1", out.stateCell("dead"), "a very long error message"],
        ["22", out.stateCell("succeeded"), ""],
      ],
      { color: true },
    );
    const plain = lines.map((line) => line.replace(new RegExp(`${ESC}\\[\\d+m`, "g"), ""));
    expect(plain).toEqual(["ID  STATE      ERROR", "1   dead       a very lo…", "22  succeeded"]);
    expect(lines[1]).toContain("\u001b[31mdead     \u001b[39m");
    expect(lines[2]).toContain("\u001b[32msucceeded\u001b[39m");
  });

  it("has no escape codes without colour, and shrinks flexible columns to the terminal width", () => {
    const lines = renderTable([{ header: "ID" }, { header: "TASK", flex: true }], [["1", "x".repeat(100)]], {
      color: false,
      width: 20,
    });
    expect(lines.join("\n")).not.toContain("\u001b");
    expect(lines[1]).toBe(`1   ${"x".repeat(15)}…`);
  });

  it("strips terminal escapes and control characters from text that comes from jobs", () => {
    expect(oneLine("boom\u001b[2J\u001b]0;pwned\u0007 at\r\nline 2\u0000")).toBe("boom at line 2 ");
    expect(block("a\u001b[31mred\u001b[0m\r\n\tb\u0007")).toBe("ared\n\tb");
  });

  it("says ages in both directions", () => {
    const now = Date.UTC(2030, 0, 1, 12);
    expect(age(new Date(now - 3 * 60_000), now)).toBe("3 min ago");
    expect(age(new Date(now + 2 * 3_600_000), now)).toBe("in 2 h");
    expect(age(new Date(now - 3 * 86_400_000), now)).toBe("3 d ago");
    expect(age(new Date(now), now)).toBe("just now");
  });

  it("maps API statuses to the documented exit codes", () => {
    expect(exitCodeOf(400, "INVALID_REQUEST")).toBe(2);
    expect(exitCodeOf(404, "JOB_NOT_FOUND")).toBe(2);
    expect(exitCodeOf(409, "INVALID_JOB_STATE")).toBe(2);
    expect(exitCodeOf(401, "UNAUTHENTICATED")).toBe(4);
    expect(exitCodeOf(403, "FORBIDDEN")).toBe(4);
    expect(exitCodeOf(503, "DATABASE_UNAVAILABLE")).toBe(3);
    expect(exitCodeOf(500, "INTERNAL")).toBe(1);
  });
});

describe("migration status (read only)", () => {
  it("classifies applied versions against the known ones", () => {
    expect(migrationStatusOf("s", [1, 2, 3], []).state).toBe("empty");
    expect(migrationStatusOf("s", [1, 2, 3], [1, 2, 3]).state).toBe("current");
    expect(migrationStatusOf("s", [1, 2, 3], [1])).toMatchObject({ state: "behind", pending: [2, 3] });
    expect(migrationStatusOf("s", [1, 2, 3], [1, 2, 3, 4])).toMatchObject({ state: "ahead", unknown: [4] });
  });

  it("reads a schema without changing it: empty, current, behind, ahead", async () => {
    const driver = await PgliteDriver.open("memory://", "probe");
    try {
      expect((await readMigrationStatus(driver, "probe")).state).toBe("empty");
      expect((await readMigrationStatus(driver, "probe")).state).toBe("empty");
      await migrate(driver, "probe", pino({ level: "silent" }));
      const current = await readMigrationStatus(driver, "probe");
      expect(current).toMatchObject({ state: "current", pending: [], unknown: [] });
      const latest = current.latest;
      await driver.query("DELETE FROM probe.taskflow_migrations WHERE version = $1", [latest]);
      expect(await readMigrationStatus(driver, "probe")).toMatchObject({
        state: "behind",
        pending: [latest],
      });
      await driver.query("INSERT INTO probe.taskflow_migrations (version, name) VALUES (9999, 'future')");
      expect(await readMigrationStatus(driver, "probe")).toMatchObject({ state: "ahead", unknown: [9999] });
      expect((await readMigrationStatus(driver, "other")).state).toBe("empty");
      await expect(readMigrationStatus(driver, 'x"; DROP')).rejects.toThrow(/lower-case identifier/);
    } finally {
      await driver.close();
    }
  });
});
