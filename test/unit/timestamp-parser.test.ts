import pg from "pg";
import { describe, expect, it } from "vitest";
import { parseTimestamptz, PG_TYPES } from "../../src/store/postgres/drivers/timestamp-parser.js";
import { TEST_DATABASE_URL } from "../support/backends.js";

const pgParse = pg.types.getTypeParser(1184, "text") as (text: string) => unknown;

describe("parseTimestamptz", () => {
  it("reads PostgreSQL's ISO output, fraction truncated to milliseconds, at any offset", () => {
    const cases: [string, string][] = [
      ["2026-12-06 22:45:32.665622+00", "2026-12-06T22:45:32.665Z"],
      ["2026-12-06 22:45:32+00", "2026-12-06T22:45:32.000Z"],
      ["2026-12-06 22:45:32.5+00", "2026-12-06T22:45:32.500Z"],
      ["2026-12-06 22:45:32.029+00", "2026-12-06T22:45:32.029Z"],
      ["2026-12-06 22:45:32.999999+00", "2026-12-06T22:45:32.999Z"],
      ["2026-12-07 04:15:32.1+05:30", "2026-12-06T22:45:32.100Z"],
      ["2026-12-06 19:45:32-03", "2026-12-06T22:45:32.000Z"],
      ["1890-01-01 00:53:28+00:53:28", "1890-01-01T00:00:00.000Z"],
      ["1890-01-01 00:00:00-00:09:21", "1890-01-01T00:09:21.000Z"],
      ["2024-02-29 23:59:59.999+00", "2024-02-29T23:59:59.999Z"],
    ];
    for (const [text, iso] of cases) {
      expect((parseTimestamptz(text) as Date).toISOString(), text).toBe(iso);
    }
  });

  it("gives what pg's parser gives for every millisecond of a second and for 10,000 random instants", () => {
    for (let ms = 0; ms < 1000; ms++) {
      const text = `2026-03-29 01:59:59.${String(ms).padStart(3, "0")}+00`;
      expect((parseTimestamptz(text) as Date).getTime()).toBe((pgParse(text) as Date).getTime());
    }
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pad = (n: number, width = 2) => String(n).padStart(width, "0");
    for (let i = 0; i < 10_000; i++) {
      const at = new Date(Date.UTC(1970, 0, 1) + Math.floor(random() * 4e12));
      const micros = pad(Math.floor(random() * 1e6), 6);
      const offsetMinutes = Math.floor(random() * 27) * 30 - 12 * 60;
      const local = new Date(at.getTime() + offsetMinutes * 60_000);
      const sign = offsetMinutes < 0 ? "-" : "+";
      const abs = Math.abs(offsetMinutes);
      const text =
        `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ` +
        `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.${micros}` +
        `${sign}${pad(Math.floor(abs / 60))}${abs % 60 === 0 ? "" : `:${pad(abs % 60)}`}`;
      expect((parseTimestamptz(text) as Date).getTime(), text).toBe((pgParse(text) as Date).getTime());
    }
  });

  it("leaves what is not ISO output to pg's parser: infinity, BC, years past 9999 or before 1000", () => {
    for (const text of [
      "infinity",
      "-infinity",
      "2026-12-06 22:45:32 BC",
      "0044-03-15 12:00:00+00 BC",
      "12026-12-06 22:45:32+00",
      "0999-12-31 23:59:59+00",
      "2026-12-06T22:45:32Z",
    ]) {
      const ours = parseTimestamptz(text);
      const theirs = pgParse(text);
      if (theirs instanceof Date) expect((ours as Date).getTime(), text).toBe(theirs.getTime());
      else expect(ours, text).toEqual(theirs);
    }
  });
});

describe.runIf(TEST_DATABASE_URL !== undefined)("timestamptz from a real PostgreSQL", () => {
  it("parses the server's own output in several time zones as pg's parser does", async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, types: PG_TYPES });
    await client.connect();
    try {
      for (const zone of ["UTC", "Asia/Kolkata", "America/St_Johns", "Europe/Amsterdam"]) {
        await client.query(`SET TimeZone = '${zone}'`);
        const { rows } = await client.query<{ at: Date; text: string }>(
          `SELECT t AS at, t::text AS text FROM (VALUES
             ('2026-12-06 22:45:32.665622+00'::timestamptz), ('1900-01-01 00:00:00+00'), ('2026-03-29 01:30:00.5+00')
           ) v(t)`,
        );
        for (const row of rows) {
          expect(row.at).toBeInstanceOf(Date);
          expect(row.at.getTime(), `${zone} ${row.text}`).toBe((pgParse(row.text) as Date).getTime());
        }
      }
    } finally {
      await client.end();
    }
  });
});
