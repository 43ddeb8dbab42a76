// The statements that finish, renew or release held jobs must find them by primary key however
// stale the table's statistics are. Planned from their join alone, a table never analyzed (a new
// install) or just emptied, whose statistics show few running jobs, was scanned whole once per
// item: a 10,000-job backlog then drained at a tenth of its speed.
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { loadQuery } from "../../src/store/postgres/sql-files.js";
import { TEST_DATABASE_URL, uniqueSchema } from "../support/backends.js";
import { openTestStore, type StoreFixture } from "../support/store-fixture.js";

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

/** The plan's ways into `jobs`: the indexes it reads, and "Seq Scan" for a whole-table read. */
function accesses(node: PlanNode): string[] {
  const own =
    node["Index Name"] !== undefined
      ? [node["Index Name"]]
      : node["Node Type"] === "Seq Scan" && node["Relation Name"] === "jobs"
        ? ["Seq Scan"]
        : [];
  return [...own, ...(node.Plans ?? []).flatMap(accesses)];
}

describe.skipIf(TEST_DATABASE_URL === undefined)("finishing statements' plans on PostgreSQL", () => {
  let f: StoreFixture | undefined;
  let client: pg.Client | undefined;
  afterEach(async () => {
    await client?.end();
    // Drops the schema too.
    await f?.close();
    f = client = undefined;
  });

  it("look held jobs up by primary key in a table whose statistics were never gathered", async () => {
    const schema = uniqueSchema();
    f = await openTestStore({
      name: "postgres",
      storeOptions: () => ({ database: TEST_DATABASE_URL!, schema }),
    });
    client = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` });
    await client.connect();
    // 20,000 jobs, 5,000 of them running, written without ANALYZE: what a new install holds
    // before autovacuum first looks at the table.
    await client.query(
      `INSERT INTO jobs (task, queue, payload, state, priority, run_at, attempt, lease_owner, lease_expires_at, created_at, updated_at)
       SELECT 'noop', 'default', '{}', CASE WHEN n <= 5000 THEN 'running' ELSE 'queued' END, 0, now(),
              CASE WHEN n <= 5000 THEN 1 ELSE 0 END, CASE WHEN n <= 5000 THEN 'w' END,
              CASE WHEN n <= 5000 THEN now() + interval '1 min' END, now(), now()
       FROM generate_series(1, 20000) AS n`,
    );
    const { rows } = await client.query<{ id: string }>(
      "SELECT id FROM jobs WHERE state = 'running' ORDER BY id LIMIT 50",
    );
    const ids = rows.map((row) => row.id);
    const fences = ids.map(() => 1);
    const now = new Date();
    const statements: [string, unknown[]][] = [
      ["complete_jobs", [JSON.stringify(ids.map((id) => ({ id, fence: 1, result: null }))), now]],
      [
        "fail_jobs",
        [
          JSON.stringify(ids.map((id) => ({ id, fence: 1, state: "dead", run_at: null, error: {} }))),
          now,
          "c",
        ],
      ],
      ["release_jobs", [ids, fences, now, "c"]],
      ["renew_leases", ["w", ids, fences, now, 30_000]],
    ];
    for (const [name, params] of statements) {
      const plan = await client.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(
        `EXPLAIN (FORMAT JSON) ${loadQuery(name)}`,
        params,
      );
      const used = accesses(plan.rows[0]!["QUERY PLAN"][0].Plan);
      // Named in the comparison, so a failure says which statement.
      expect({
        name,
        byPrimaryKey: used.includes("jobs_pkey"),
        wholeTable: used.includes("Seq Scan"),
      }).toEqual({
        name,
        byPrimaryKey: true,
        wholeTable: false,
      });
    }
  });
});
