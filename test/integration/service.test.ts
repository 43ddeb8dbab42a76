// `taskflow start` as a user runs it: a real process with a taskflow.yaml holding a shell job,
// an HTTP job to a local endpoint and a code task; the admin token printed once; the REST API
// answering; an edit of the file applied live; SIGTERM ends it cleanly.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/backends.js";

const CLI = ["--import", "tsx", new URL("../../src/cli/main.ts", import.meta.url).pathname];

interface Job {
  id: string;
  task: string;
  state: string;
  result: unknown;
}

function configText(endpointPort: number, extraSchedule = ""): string {
  return `
dataDir: ./data
server: { host: 127.0.0.1, port: 0 }
executors:
  shell: { enabled: true }
  http: { allow: ["127.0.0.1:${endpointPort}"] }
tasks:
  greet:
    shell: { command: [sh, -c, "echo hello from a shell job"] }
  ping:
    http: { method: POST, url: "http://127.0.0.1:${endpointPort}/hook", body: { from: taskflow }, expectStatus: [202] }
  report:
    module: ./report.mjs
schedules:
  - { id: greet-every-second, task: greet, every: 1s }
  - { id: ping-every-second, task: ping, every: 1s, overlap: skip }
  - { id: report-every-second, task: report, every: 1s }
${extraSchedule}`;
}

describe("taskflow start (service mode)", () => {
  const folder = mkdtempSync(join(tmpdir(), "taskflow-service-"));
  const configPath = join(folder, "taskflow.yaml");
  const children: ChildProcess[] = [];
  let endpoint: Server;
  let endpointPort = 0;
  let hookCalls = 0;

  beforeAll(async () => {
    endpoint = createServer((request, response) => {
      if (request.url === "/hook") hookCalls += 1;
      response.writeHead(202).end("accepted");
    });
    await new Promise<void>((resolve) => endpoint.listen(0, "127.0.0.1", resolve));
    endpointPort = (endpoint.address() as AddressInfo).port;
    writeFileSync(
      join(folder, "report.mjs"),
      "export default { run: (ctx) => ({ report: 'ok', attempt: ctx.attempt }) };\n",
    );
    writeFileSync(configPath, configText(endpointPort));
  });
  afterAll(async () => {
    for (const child of children) child.kill("SIGKILL");
    await new Promise((resolve) => endpoint.close(resolve));
    rmSync(folder, { recursive: true, force: true });
  });

  function startNode() {
    const node = spawn(process.execPath, [...CLI, "start", "--config", configPath, "--log-level", "warn"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(node);
    const output = { stderr: "", stdout: "" };
    node.stderr.on("data", (chunk: Buffer) => (output.stderr += chunk.toString()));
    node.stdout.on("data", (chunk: Buffer) => (output.stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => node.on("exit", (code) => resolve(code)));
    return { node, output, exited };
  }

  it("runs the file's shell, HTTP and code jobs, serves the API with the token printed once, reloads edits, stops on SIGTERM", async () => {
    const first = startNode();
    await eventually(() => first.output.stderr.includes("press Ctrl-C"), 60_000, "the service to start");
    const url = /API: +(http:\/\/127\.0\.0\.1:\d+)\/api\/v1/.exec(first.output.stderr)?.[1];
    const token = /export TASKFLOW_TOKEN=(tf_\S+)/.exec(first.output.stderr)?.[1];
    expect(url).toBeDefined();
    expect(token).toBeDefined();
    const api = async <T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> => {
      const response = await fetch(`${url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers },
      });
      return { status: response.status, body: (await response.json()) as T };
    };

    const succeeded = async (task: string) =>
      (await api<{ items: Job[] }>(`/api/v1/jobs?task=${task}&state=succeeded`)).body.items;
    await eventually(
      async () =>
        (await succeeded("greet")).length > 0 &&
        (await succeeded("ping")).length > 0 &&
        (await succeeded("report")).length > 0,
      30_000,
      "a successful run of each task",
    );
    expect((await succeeded("greet"))[0]?.result).toMatchObject({
      exitCode: 0,
      stdout: "hello from a shell job\n",
    });
    expect((await succeeded("ping"))[0]?.result).toMatchObject({ status: 202, body: "accepted" });
    expect((await succeeded("report"))[0]?.result).toMatchObject({ report: "ok" });
    expect(hookCalls).toBeGreaterThan(0);
    expect((await fetch(`${url}/api/v1/jobs`)).status).toBe(401);

    // Prometheus metrics, behind the same token; the process's own metrics beside TaskFlow's.
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    const metrics = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const exposition = await metrics.text();
    expect(exposition).toMatch(/^taskflow_jobs_succeeded_total\{task="greet",queue="default"\} [1-9]/m);
    expect(exposition).toMatch(/^taskflow_nodes_live 1$/m);
    expect(exposition).toContain("process_cpu_user_seconds_total");

    // Hot reload: a new schedule in the file appears without a restart; the API's own stays.
    const created = await api(`/api/v1/schedules/made-by-api`, {
      method: "PUT",
      body: JSON.stringify({ task: "report", cron: "0 0 1 1 *" }),
    });
    expect(created.status).toBe(201);
    writeFileSync(
      configPath,
      configText(endpointPort, `  - { id: added-later, task: report, cron: "0 3 * * *" }\n`),
    );
    await eventually(
      async () => (await api(`/api/v1/schedules/added-later`)).status === 200,
      20_000,
      "the edit to apply",
    );
    writeFileSync(
      configPath,
      configText(endpointPort).replace("schedules:", "schedules:\n  - { id: broken, task: nope, cron: 'x' }"),
    );
    await eventually(
      () => first.output.stdout.includes("the running configuration is kept"),
      20_000,
      "the bad edit to be refused",
    );
    expect((await api(`/api/v1/schedules/added-later`)).status).toBe(200);
    expect((await api(`/api/v1/schedules/made-by-api`)).status).toBe(200);

    first.node.kill("SIGTERM");
    expect(await first.exited).toBe(0);

    // A second start on the same database prints no token: the first one still works.
    writeFileSync(configPath, configText(endpointPort));
    const second = startNode();
    await eventually(() => second.output.stderr.includes("press Ctrl-C"), 60_000, "the second start");
    expect(second.output.stderr).not.toContain("TASKFLOW_TOKEN=");
    const url2 = /API: +(http:\/\/127\.0\.0\.1:\d+)\/api\/v1/.exec(second.output.stderr)?.[1];
    const whoami = await fetch(`${url2}/api/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });
    expect(await whoami.json()).toMatchObject({ role: "admin", label: "initial admin token" });
    const schedules = await fetch(`${url2}/api/v1/schedules`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const ids = ((await schedules.json()) as { items: { id: string }[] }).items.map((s) => s.id);
    expect(ids).toContain("made-by-api");
    expect(ids).not.toContain("added-later"); // removed from the file: deleted at start
    second.node.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  }, 180_000);
});
