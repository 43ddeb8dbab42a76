// What an operator does with the dashboard, in headless Chromium against a real `taskflow
// start` on the embedded store: sign in with the printed token, create a schedule and watch it
// run, pause and resume it, replay dead jobs, and what a viewer is not offered. Each page is
// saved as a screenshot in test-artifacts/screenshots/.
import { existsSync, rmSync, writeFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cspProblems,
  openFromNav,
  openTab,
  screenshot,
  signIn,
  UI_TIMEOUT_MS,
  type DashboardTab,
} from "./support/browser.js";
import { CHROMIUM_MISSING_MESSAGE, chromiumMissing, launchChromium } from "./support/chromium.js";
import { startTaskflowService, type TaskflowService } from "./support/service.js";
import { waitUntil } from "./support/wait.js";

interface Job {
  id: string;
  state: string;
  startedAt: string | null;
}

/** Waits long enough for a schedule or a worker to act (the dashboard polls every 3 s). */
const RUN_TIMEOUT_MS = 20_000;

describe.skipIf(chromiumMissing)("the dashboard, driven by an operator", () => {
  let service: TaskflowService;
  let browser: Browser;
  let admin: DashboardTab;
  let page: Page;

  const job = async (id: string) => (await service.api<Job>("GET", `/api/v1/jobs/${id}`)).body;
  const runsOf = async (scheduleId: string) =>
    (await service.api<{ items: Job[] }>("GET", `/api/v1/jobs?schedule=${scheduleId}&limit=500`)).body.items;
  const enqueue = async (body: Record<string, unknown>) => {
    const answer = await service.api<Job>("POST", "/api/v1/jobs", body);
    expect(answer.status).toBe(201);
    return answer.body.id;
  };
  const jobState = (on: Page) => on.getByTestId("job-state");

  beforeAll(async () => {
    [service, browser] = await Promise.all([startTaskflowService(), launchChromium()]);
    admin = await openTab(browser, service.url);
    page = admin.page;
  });

  afterAll(async () => {
    await admin?.close();
    await browser?.close();
    await service?.stop();
  });

  it("signs in with the token printed on the first start, and signing out brings back the sign-in page", async () => {
    await page.goto("/");
    await page.getByLabel("API token").waitFor();
    await screenshot(page, "sign-in");

    await page.getByLabel("API token").fill("tf_not_a_real_token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "Sign-in refused" }).waitFor();

    await signIn(page, service.adminToken);
    await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API token").waitFor();
    // The cookie is gone: a reload stays signed out.
    await page.reload();
    await page.getByLabel("API token").waitFor();
    expect(await page.getByRole("button", { name: "Sign out" }).count()).toBe(0);

    await signIn(page, service.adminToken);
  });

  it("creates an every-2s schedule through the form, previews 10 fire times, and shows its runs succeed", async () => {
    const id = "e2e-every-2s";
    await openFromNav(page, "Schedules");
    await page.getByRole("button", { name: "New schedule" }).click();
    await page.getByLabel("Id", { exact: true }).fill(id);
    await page.getByLabel("Task", { exact: true }).selectOption("noop");
    await page.getByLabel("Kind", { exact: true }).selectOption("every");
    await page.getByLabel("Every", { exact: true }).fill("2s");
    const preview = page.getByTestId("schedule-preview").getByRole("listitem");
    await expect.poll(() => preview.count(), { timeout: 10_000 }).toBe(10);
    expect(await service.api("GET", `/api/v1/schedules/${id}`)).toMatchObject({ status: 404 }); // not saved yet
    await screenshot(page, "schedule-form");

    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("heading", { name: id, level: 1 }).waitFor();
    expect((await service.api<{ spec: unknown }>("GET", `/api/v1/schedules/${id}`)).body.spec).toMatchObject({
      task: "noop",
      every: "2s",
    });

    // It fires on its own; a succeeded run shows in its recent runs, and its page says so.
    const succeeded = page.locator("tr", { has: page.getByText("succeeded", { exact: true }) });
    await succeeded.first().waitFor({ timeout: RUN_TIMEOUT_MS });
    await screenshot(page, "schedule");
    await succeeded.first().getByRole("link").first().click();
    await expect.poll(() => jobState(page).innerText(), { timeout: UI_TIMEOUT_MS }).toBe("succeeded");
    await screenshot(page, "run");

    // The list shows it too, in the schedule's run strip.
    await openFromNav(page, "Schedules");
    const row = page.getByTestId(`schedule-row-${id}`);
    await row.getByTestId("run-strip").getByRole("link", { name: "succeeded" }).first().waitFor();
    await screenshot(page, "schedules");

    await openFromNav(page, "Runs");
    await page.getByLabel("State", { exact: true }).selectOption("succeeded");
    await page.getByRole("link", { name: id }).first().waitFor();
    await screenshot(page, "runs");
  });

  it("pausing a schedule from the list stops its runs until it is resumed", async () => {
    const id = "e2e-pause-me";
    expect((await service.api("PUT", `/api/v1/schedules/${id}`, { task: "noop", every: "1s" })).status).toBe(
      201,
    );
    await waitUntil(async () => (await runsOf(id)).some((run) => run.state === "succeeded"), {
      timeoutMs: RUN_TIMEOUT_MS,
      what: `a run of ${id}`,
    });

    await openFromNav(page, "Schedules");
    await page.getByLabel("Search schedules").fill("pause-me");
    const row = page.getByTestId(`schedule-row-${id}`);
    await row.waitFor();
    await page.getByTestId("schedule-row-e2e-every-2s").waitFor({ state: "detached" }); // filtered out
    await row.getByRole("button", { name: "Pause" }).click();
    await row.getByRole("button", { name: "Resume" }).waitFor();
    expect((await service.api<{ paused: boolean }>("GET", `/api/v1/schedules/${id}`)).body.paused).toBe(true);

    // Runs that had already started may finish; after that nothing new starts, for the
    // schedule's cadence (1 s) plus 5 s of real time.
    await waitUntil(async () => (await runsOf(id)).every((run) => run.state !== "running"), {
      timeoutMs: 5000,
      what: "runs started before the pause to finish",
    });
    const started = async () => (await runsOf(id)).filter((run) => run.startedAt !== null).length;
    const before = await started();
    const quietUntil = Date.now() + 6000;
    await waitUntil(
      async () => {
        expect(await started(), "runs started while paused").toBe(before);
        return Date.now() >= quietUntil;
      },
      { timeoutMs: 10_000, what: "6 s without a new run", intervalMs: 250 },
    );

    await row.getByRole("button", { name: "Resume" }).click();
    await row.getByRole("button", { name: "Pause" }).waitFor();
    await waitUntil(async () => (await started()) > before, {
      timeoutMs: RUN_TIMEOUT_MS,
      what: "a run after resuming",
    });
  });

  it("a job that keeps failing lands in Dead letters, and a replay after the fix succeeds", async () => {
    writeFileSync(service.failFile, "fail until this file is removed\n");
    const ids = [
      await enqueue({ task: "flaky", tags: ["e2e-flaky"] }),
      await enqueue({ task: "flaky", tags: ["e2e-flaky"] }),
      await enqueue({ task: "flaky", tags: ["e2e-flaky"] }),
    ];
    const [first = "", ...others] = ids;
    await waitUntil(async () => (await Promise.all(ids.map(job))).every((j) => j.state === "dead"), {
      timeoutMs: RUN_TIMEOUT_MS,
      what: "the flaky jobs to exhaust their 2 attempts",
    });

    await openFromNav(page, "Dead letters");
    for (const id of ids) await page.getByTestId(`dead-row-${id}`).waitFor();
    await screenshot(page, "dead-letters");

    // The fix: the task stops failing. Replay one from its row.
    rmSync(service.failFile);
    expect(existsSync(service.failFile)).toBe(false);
    await page.getByTestId(`dead-row-${first}`).getByRole("button", { name: "Replay" }).click();
    await page.getByTestId(`dead-row-${first}`).waitFor({ state: "detached" });
    await page.goto(`/#/runs/${first}`);
    await expect.poll(() => jobState(page).innerText(), { timeout: RUN_TIMEOUT_MS }).toBe("succeeded");
    // Its durable step, completed by attempt 1 before the failures, was not run again.
    const step = page.getByTestId("step-row-load");
    await step.waitFor();
    expect(await step.innerText()).toContain("attempt 1");

    // The rest all at once, after a confirmation that can be declined.
    await openFromNav(page, "Dead letters");
    await page.getByRole("button", { name: "Replay all matching" }).click();
    const dialog = page.getByRole("dialog", {
      name: `Replay ${others.length} dead ${others.length === 1 ? "job" : "jobs"}?`,
    });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Keep them" }).click();
    await dialog.waitFor({ state: "hidden" });
    expect((await Promise.all(others.map(job))).map((j) => j.state)).toEqual(others.map(() => "dead"));

    await page.getByRole("button", { name: "Replay all matching" }).click();
    await dialog.getByRole("button", { name: "Confirm" }).click();
    for (const id of others) await page.getByTestId(`dead-row-${id}`).waitFor({ state: "detached" });
    await waitUntil(async () => (await Promise.all(others.map(job))).every((j) => j.state === "succeeded"), {
      timeoutMs: RUN_TIMEOUT_MS,
      what: "the replayed jobs to succeed",
    });
  });

  it("shows the audit log and manages tokens", async () => {
    await openFromNav(page, "Audit log");
    await page.getByText("schedule.pause").first().waitFor();
    await screenshot(page, "audit-log");

    await openFromNav(page, "Tokens");
    await page.getByLabel("Label", { exact: true }).fill("e2e-ci");
    await page.getByLabel("Role", { exact: true }).selectOption("operator");
    await page.getByRole("button", { name: "Create token" }).click();
    const created = (await page.getByTestId("new-token").innerText()).trim();
    expect(created).toMatch(/^tf_\S+$/);
    const whoami = await service.api<{ role: string; label: string }>(
      "GET",
      "/api/v1/whoami",
      undefined,
      created,
    );
    expect(whoami.body).toMatchObject({ role: "operator", label: "e2e-ci" });
    await screenshot(page, "tokens");

    await page.locator("tr", { hasText: "e2e-ci" }).getByRole("button", { name: "Revoke" }).click();
    await page
      .getByRole("dialog", { name: "Revoke token e2e-ci?" })
      .getByRole("button", { name: "Confirm" })
      .click();
    await waitUntil(
      async () => (await service.api("GET", "/api/v1/whoami", undefined, created)).status === 401,
      { timeoutMs: 10_000, what: "the revoked token to be refused" },
    );
  });

  it("offers a viewer no operator or admin controls", async () => {
    const token = await service.api<{ token: string }>("POST", "/api/v1/tokens", {
      label: "e2e viewer",
      role: "viewer",
    });
    expect(token.status).toBe(201);
    const dead = await enqueue({ task: "echo", payload: { text: "for the viewer", fail: true } });
    await waitUntil(async () => (await job(dead)).state === "dead", {
      timeoutMs: RUN_TIMEOUT_MS,
      what: "a dead job",
    });

    const viewer = await openTab(browser, service.url);
    try {
      const view = viewer.page;
      await signIn(view, token.body.token);
      const nav = view.getByRole("navigation");
      await nav.getByRole("link", { name: "Schedules", exact: true }).waitFor();
      expect(await nav.getByRole("link", { name: "Tokens", exact: true }).count()).toBe(0);
      expect(await nav.getByRole("link", { name: "Audit log", exact: true }).count()).toBe(0);

      await openFromNav(view, "Schedules");
      const row = view.getByTestId("schedule-row-e2e-every-2s");
      await row.waitFor();
      expect(await view.getByRole("button", { name: "New schedule" }).count()).toBe(0);
      for (const name of ["Pause", "Resume", "Trigger"]) {
        expect(await row.getByRole("button", { name }).count(), name).toBe(0);
      }
      await screenshot(view, "viewer-schedules");

      await openFromNav(view, "Dead letters");
      await view.getByTestId(`dead-row-${dead}`).waitFor();
      expect(await view.getByRole("button", { name: "Replay" }).count()).toBe(0);
      expect(await view.getByRole("button", { name: "Replay all matching" }).count()).toBe(0);

      await view.goto(`/#/runs/${dead}`);
      await expect.poll(() => jobState(view).innerText(), { timeout: UI_TIMEOUT_MS }).toBe("dead");
      expect(await view.getByRole("button", { name: "Retry" }).count()).toBe(0);
      expect(await view.getByRole("button", { name: "Cancel" }).count()).toBe(0);
      expect(cspProblems(viewer)).toEqual([]);
    } finally {
      await viewer.close();
    }
  });

  it("shows the cluster on the overview, and broke no Content-Security-Policy rule on any page", async () => {
    await openFromNav(page, "Overview");
    await page.getByRole("heading", { name: /^Nodes/ }).waitFor();
    await page.getByText("e2e-every-2s").first().waitFor(); // among the next fires
    await screenshot(page, "overview");
    expect(cspProblems(admin)).toEqual([]);
  });
});

if (chromiumMissing) console.warn(`dashboard-flows: skipped, ${CHROMIUM_MISSING_MESSAGE}`);
