// An alert in the outbox survives its node: node A writes a job-dead alert and starts delivering
// it; the receiver holds that first request unanswered; A is SIGKILLed by pid. A restarted node B
// takes the message over once A's claim expires and delivers it. The receiver accepts exactly one
// delivery (the held one was never answered; it carried the same notification id), and the
// outbox has one message, delivered, its second attempt recorded.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { startAlertReceiver, WEBHOOK_SECRET, type AlertReceiver } from "../support/alert-receiver.js";
import { eventually, TEST_DATABASE_URL } from "../support/backends.js";

const REPO_ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
const WAIT_MS = 60_000;

interface Node {
  process: ChildProcess;
  ready: Promise<void>;
  exited: Promise<void>;
}

describe.skipIf(!TEST_DATABASE_URL)("an alert in the outbox when its node is SIGKILLed", () => {
  const nodes: Node[] = [];
  let hook: AlertReceiver | undefined;
  let pool: pg.Pool | undefined;
  let schema: string | undefined;

  afterEach(async () => {
    for (const node of nodes) {
      if (node.process.exitCode === null && node.process.signalCode === null) {
        node.process.kill("SIGKILL");
        await node.exited;
      }
    }
    nodes.length = 0;
    await hook?.close();
    if (schema !== undefined) await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool?.end();
  });

  function startNode(id: string, enqueue: boolean): Node {
    const child = spawn(process.execPath, ["--import", "tsx", "chaos/processes/alert-node.ts"], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        TASKFLOW_TEST_DATABASE_URL: TEST_DATABASE_URL,
        ALERT_SCHEMA: schema,
        ALERT_NODE_ID: id,
        ALERT_HOOK_URL: hook!.channel.url,
        ALERT_HOOK_SECRET: WEBHOOK_SECRET,
        ALERT_HOOK_ALLOW: hook!.allow[0],
        ALERT_ENQUEUE: enqueue ? "1" : "0",
      },
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    const node: Node = {
      process: child,
      ready: new Promise((ready, fail) => {
        child.on("message", (message: { type?: string }) => {
          if (message.type === "ready") ready();
        });
        child.once("exit", (code, signal) => fail(new Error(`node ${id} exited early (${code ?? signal})`)));
      }),
      exited: new Promise((done) => child.once("exit", () => done())),
    };
    node.ready.catch(() => undefined);
    nodes.push(node);
    return node;
  }

  it("is delivered by the restarted node, and accepted once, with one notification id", async () => {
    pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
    schema = `alert_chaos_${randomBytes(5).toString("hex")}`;
    hook = await startAlertReceiver();
    // The first request is held unanswered: the delivery is in flight when the node dies.
    hook.script(() => new Promise(() => undefined));

    const a = startNode("alert-node-a", true);
    await a.ready;
    await eventually(() => hook!.requests.length === 1, WAIT_MS, "node A's delivery in flight");
    a.process.kill("SIGKILL");
    await a.exited;
    expect(a.process.signalCode).toBe("SIGKILL");
    expect(hook.accepted).toHaveLength(0);

    const b = startNode("alert-node-b", false);
    await b.ready;
    await eventually(() => hook!.accepted.length === 1, WAIT_MS, "node B's delivery accepted");
    await eventually(
      async () => {
        const { rows } = await pool!.query<{ status: string }>(`SELECT status FROM "${schema}".alert_outbox`);
        return rows.length === 1 && rows[0]!.status === "delivered";
      },
      WAIT_MS,
      "the message marked delivered",
    );

    const ids = hook.requests.map((request) => request.headers["x-taskflow-delivery"]);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(1);
    expect(hook.accepted.map((alert) => alert.id)).toEqual([ids[0]]);
    expect(hook.accepted[0]).toMatchObject({
      rule: "job-dead",
      count: 1,
      subject: { task: "nightly-backup" },
    });

    const outbox = await pool.query<{ id: string; attempts: number }>(
      `SELECT id, attempts FROM "${schema}".alert_outbox`,
    );
    expect(outbox.rows).toEqual([{ id: ids[0], attempts: 2 }]);
    // The attempt cut short by the kill left no record; the one that came back did.
    const deliveries = await pool.query<{ attempt: number; node: string; outcome: string; status: number }>(
      `SELECT attempt, node, outcome, status FROM "${schema}".alert_deliveries ORDER BY id`,
    );
    expect(deliveries.rows).toEqual([
      { attempt: 2, node: "alert-node-b", outcome: "delivered", status: 200 },
    ]);
    const alerts = await pool.query<{ count: number }>(`SELECT count FROM "${schema}".alerts`);
    expect(alerts.rows).toEqual([{ count: 1 }]);

    // B keeps evaluating and delivering for a while: nothing is sent again.
    const settled = Date.now() + 2_000;
    await eventually(() => Date.now() > settled, 5_000, "two more seconds of B");
    expect(hook.accepted).toHaveLength(1);
    expect(hook.requests).toHaveLength(2);
  });
});
