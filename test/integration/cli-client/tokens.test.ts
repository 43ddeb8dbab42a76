// `taskflow tokens`: through the API (admin), and the --local recovery path on the store itself.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServerDeps } from "../../../src/server/server-deps.js";
import { buildApp } from "../../../src/server/app.js";
import { TaskFlow } from "../../../src/taskflow.js";
import { listeningApi, type ListeningApi } from "./api-server.js";
import { jsonOf, runCli } from "./run-cli.js";

const TOKEN_LINE = /^tf_[a-z2-9]{12}_[A-Za-z0-9_-]{43}\n$/;

describe("taskflow tokens through the API", () => {
  let api: ListeningApi;
  beforeAll(async () => {
    api = await listeningApi();
  });
  afterAll(async () => {
    await api.close();
  });

  it("prints a new token once, on stdout alone, and the token then works until revoked", async () => {
    const admin = { TASKFLOW_URL: api.url, TASKFLOW_TOKEN: api.tokenOf.admin };
    const created = await runCli(["tokens", "create", "--label", "ci bot", "--role", "operator"], admin);
    expect(created.status).toBe(0);
    expect(created.stdout).toMatch(TOKEN_LINE);
    expect(created.stderr).toContain("cannot be shown again");
    const token = created.stdout.trim();

    const withIt = { TASKFLOW_URL: api.url, TASKFLOW_TOKEN: token };
    expect((await runCli(["jobs", "ls", "--json"], withIt)).status).toBe(0);

    const listed = jsonOf<{ items: { id: string; label: string; role: string }[] }>(
      await runCli(["tokens", "ls", "--json"], admin),
    );
    const record = listed.items.find((t) => t.label === "ci bot");
    expect(record).toMatchObject({ role: "operator" });
    expect(JSON.stringify(listed)).not.toContain(token.split("_")[2]);

    const revoked = await runCli(["tokens", "revoke", record!.id], admin);
    expect(revoked.status).toBe(0);
    expect(revoked.stdout).toContain(`revoked token ${record!.id}`);
    const refused = await runCli(["jobs", "ls"], withIt);
    expect(refused.status).toBe(4);
    expect(refused.stderr).toContain("error UNAUTHENTICATED");
  });

  it("lets only admins create tokens, and refuses store flags without --local", async () => {
    const [operator, storeFlag] = await Promise.all([
      runCli(["tokens", "create", "--label", "x", "--role", "admin"], {
        TASKFLOW_URL: api.url,
        TASKFLOW_TOKEN: api.tokenOf.operator,
      }),
      runCli(["tokens", "create", "--label", "x", "--role", "admin", "--data-dir", "/nowhere"]),
    ]);
    expect(operator.status).toBe(4);
    expect(operator.stderr).toContain("error FORBIDDEN");
    expect(operator.stdout).toBe("");
    expect(storeFlag.status).toBe(2);
    expect(storeFlag.stderr).toContain("--local");
  });
});

describe("taskflow tokens create --local", () => {
  const folder = mkdtempSync(join(tmpdir(), "taskflow-cli-tokens-"));
  const dataDir = join(folder, "data");
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it("refuses a folder without a database, and a database the service holds (DATABASE_UNAVAILABLE)", async () => {
    const missing = await runCli([
      "tokens",
      "create",
      "--local",
      "--data-dir",
      dataDir,
      "--role",
      "admin",
      "--label",
      "r",
    ]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("no embedded database");

    const tf = await TaskFlow.create({ dataDir, logger: "silent" });
    try {
      const held = await runCli([
        "tokens",
        "create",
        "--local",
        "--data-dir",
        dataDir,
        "--role",
        "admin",
        "--label",
        "r",
      ]);
      expect(held.status).toBe(3);
      expect(held.stderr).toContain("error DATABASE_UNAVAILABLE");
      expect(held.stderr).toContain("stop the running service first");
      expect(held.stdout).toBe("");
    } finally {
      await tf.stop();
    }
  });

  it("creates an admin token in the stopped service's store, recorded as made by cli:<user>, that the service then accepts", async () => {
    const created = await runCli([
      "tokens",
      "create",
      "--local",
      "--data-dir",
      dataDir,
      "--role",
      "admin",
      "--label",
      "recovery",
    ]);
    expect(created.status).toBe(0);
    expect(created.stdout).toMatch(TOKEN_LINE);
    expect(created.stderr).toContain("cannot be shown again");
    const token = created.stdout.trim();

    // The service starts again on that store and accepts the token with the admin role.
    const tf = await TaskFlow.create({ dataDir, logger: "silent" });
    const app = await buildApp(createServerDeps(tf, { logger: pino({ level: "silent" }) }));
    try {
      await app.listen({ port: 0, host: "127.0.0.1" });
      const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      const listed = jsonOf<{ items: { label: string; role: string; createdBy: string }[] }>(
        await runCli(["tokens", "ls", "--json"], { TASKFLOW_URL: url, TASKFLOW_TOKEN: token }),
      );
      expect(listed.items).toContainEqual(
        expect.objectContaining({
          label: "recovery",
          role: "admin",
          createdBy: expect.stringMatching(/^cli:.+/) as unknown,
        }),
      );
    } finally {
      await app.close();
      await tf.stop();
    }
  });
});
