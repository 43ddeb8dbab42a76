// The dashboard's defences, in a real browser against a real node: text from users (payloads,
// tags, token labels, job logs, errors) is shown as text and never run; another site cannot act
// with the session cookie; the Content-Security-Policy is sent and nothing the dashboard does
// breaks it.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAttackerSite, type AttackerSite } from "./support/attacker.js";
import {
  cspProblems,
  openTab,
  screenshot,
  signIn,
  UI_TIMEOUT_MS,
  type DashboardTab,
} from "./support/browser.js";
import { CHROMIUM_MISSING_MESSAGE, chromiumMissing, launchChromium } from "./support/chromium.js";
import { startTaskflowService, type TaskflowService } from "./support/service.js";
import { waitUntil } from "./support/wait.js";

// Schedule ids, task and queue names only accept `[A-Za-z0-9_.:/-]`: markup goes everywhere else.
const IMG = "<img src=x onerror=window.__xss=1>";
const SCRIPT = "<script>window.__xss=2</script>";
const SVG = "<svg onload=window.__xss=3>";
const MARKUP = `${IMG}${SCRIPT}${SVG}`;
const PROBE_SCHEDULE = "xss-probe";
const CSRF_TARGET = "csrf-target";

interface Job {
  id: string;
  state: string;
}

describe.skipIf(chromiumMissing)("dashboard security in the browser", () => {
  let service: TaskflowService;
  let browser: Browser;
  let tab: DashboardTab;
  let page: Page;
  let attacker: AttackerSite;
  const jobs = { logged: "", dead: "", shell: "", triggered: "" };

  const finished = async (id: string, state: string) =>
    waitUntil(async () => (await service.api<Job>("GET", `/api/v1/jobs/${id}`)).body.state === state, {
      timeoutMs: 20_000,
      what: `job ${id} to be ${state}`,
    });
  const enqueue = async (body: Record<string, unknown>) => {
    const answer = await service.api<Job>("POST", "/api/v1/jobs", body);
    expect(answer.status).toBe(201);
    return answer.body.id;
  };

  beforeAll(async () => {
    [service, browser, attacker] = await Promise.all([
      startTaskflowService(),
      launchChromium(),
      startAttackerSite(),
    ]);
    // Markup in every field that accepts free text.
    const schedule = await service.api("PUT", `/api/v1/schedules/${PROBE_SCHEDULE}`, {
      task: "echo",
      cron: "0 0 1 1 *",
      payload: { text: MARKUP },
    });
    expect(schedule.status).toBe(201);
    const target = await service.api("PUT", `/api/v1/schedules/${CSRF_TARGET}`, {
      task: "noop",
      cron: "0 0 1 1 *",
    });
    expect(target.status).toBe(201);
    expect((await service.api("POST", "/api/v1/tokens", { label: MARKUP, role: "viewer" })).status).toBe(201);
    jobs.logged = await enqueue({ task: "echo", payload: { text: MARKUP }, tags: [IMG, SCRIPT] });
    jobs.dead = await enqueue({ task: "echo", payload: { text: MARKUP, fail: true }, tags: [SVG] });
    jobs.shell = await enqueue({ task: "shell-echo", payload: { text: MARKUP } });
    const triggered = await service.api<Job>("POST", `/api/v1/schedules/${PROBE_SCHEDULE}/trigger`);
    expect(triggered.status).toBe(201);
    jobs.triggered = triggered.body.id;
    await Promise.all([
      finished(jobs.logged, "succeeded"),
      finished(jobs.dead, "dead"),
      finished(jobs.shell, "succeeded"),
      finished(jobs.triggered, "succeeded"),
    ]);

    tab = await openTab(browser, service.url);
    page = tab.page;
    await signIn(page, service.adminToken);
  });

  afterAll(async () => {
    await tab?.close();
    await browser?.close();
    await attacker?.close();
    await service?.stop();
  });

  /** Nothing injected ran or was parsed into elements: no handler fired, no element was made. */
  async function expectNothingRan(where: string): Promise<void> {
    expect(await page.evaluate(() => (globalThis as { __xss?: unknown }).__xss), where).toBeUndefined();
    expect(await page.locator('img[src="x"], [onerror], [onload], script:not([src])').count(), where).toBe(0);
  }

  async function expectTextShown(text: string, where: string): Promise<void> {
    await expect
      .poll(() => page.locator("#main").innerText(), { timeout: UI_TIMEOUT_MS, message: where })
      .toContain(text);
  }

  /** A full load of a dashboard page (nothing left from the previous one), until its title shows. */
  async function visit(hash: string, heading?: string): Promise<void> {
    await page.goto("about:blank");
    await page.goto(`/${hash}`);
    const title = page.getByRole("heading", {
      level: 1,
      ...(heading === undefined ? {} : { name: heading }),
    });
    await title.first().waitFor();
    // Its data is in, and loaded without an error.
    await page
      .locator("#main [role=status]", { hasText: /^Loading/ })
      .first()
      .waitFor({ state: "detached" });
    expect(await page.locator("#main [role=alert]", { hasText: "Could not load" }).count(), hash).toBe(0);
  }

  it("shows markup from payloads, tags, token labels, logs and errors as text, and never runs it", async () => {
    await visit("#/schedules");
    await page.getByTestId(`schedule-row-${PROBE_SCHEDULE}`).waitFor();
    await expectNothingRan("schedules");

    await visit(`#/schedules/${PROBE_SCHEDULE}`, PROBE_SCHEDULE);
    await page.getByText("Definition as written (JSON)").click();
    await expectTextShown(MARKUP, "the schedule's payload on its page");
    await expectNothingRan("schedule page");
    await screenshot(page, "security-schedule-with-markup");

    await visit(`#/schedules/${PROBE_SCHEDULE}/edit`);
    await expect
      .poll(() => page.getByLabel("Payload (JSON)").inputValue(), { timeout: UI_TIMEOUT_MS })
      .toContain(MARKUP);
    await expectNothingRan("schedule form");

    await visit("#/runs");
    await page.getByTestId(`job-row-${jobs.logged}`).waitFor();
    await expectNothingRan("runs");

    await visit(`#/runs/${jobs.logged}`, `Run #${jobs.logged}`);
    await expectTextShown(MARKUP, "the run's payload, result and log line");
    await page.getByText(IMG, { exact: true }).first().waitFor(); // a tag on its own
    await page.getByText(SCRIPT, { exact: true }).first().waitFor();
    await expectNothingRan("run page");
    await screenshot(page, "security-run-with-markup");

    await visit(`#/runs/${jobs.dead}`, `Run #${jobs.dead}`);
    await expectTextShown(MARKUP, "the dead run's error");
    await expectNothingRan("dead run page");

    await visit(`#/runs/${jobs.shell}`, `Run #${jobs.shell}`);
    await expectTextShown(`{"text":"${MARKUP}"}`, "the shell job's output");
    await expectNothingRan("shell run page");

    await visit(`#/runs/${jobs.triggered}`, `Run #${jobs.triggered}`);
    await expectTextShown(MARKUP, "the triggered run's payload");
    await expectNothingRan("triggered run page");

    await visit("#/dead");
    await page.getByTestId(`dead-row-${jobs.dead}`).waitFor();
    await expectTextShown(MARKUP, "the dead letter's error");
    await page.getByText(SVG, { exact: true }).first().waitFor(); // its tag
    await expectNothingRan("dead letters");

    await visit("#/tokens");
    await expectTextShown(MARKUP, "the token's label");
    await expectNothingRan("tokens");

    await visit("#/audit");
    await expectTextShown(MARKUP, "the audit log's token and schedule records");
    await expectNothingRan("audit log");

    await visit("#/");
    await expectNothingRan("overview");
    expect(cspProblems(tab)).toEqual([]);
  });

  it("refuses a form posted by another site with the session cookie", async () => {
    const action = `${service.url}/api/v1/schedules/${CSRF_TARGET}/pause`;
    // localhost is another site than 127.0.0.1: the SameSite=Strict cookie is not even sent.
    // 127.0.0.1 on another port is the same site but another origin: the cookie is sent, and
    // the missing CSRF token (and the foreign Origin) must be enough to refuse.
    for (const [host, expected] of [
      ["localhost", 401],
      ["127.0.0.1", 403],
    ] as const) {
      const attackPage = await tab.context.newPage();
      try {
        const [response] = await Promise.all([
          attackPage.waitForResponse((r) => r.url() === action && r.request().method() === "POST"),
          attackPage.goto(`http://${host}:${attacker.port}${attacker.formPath(action)}`),
        ]);
        expect(response.status(), `a form posted from ${host}`).toBe(expected);
        if (expected === 403) {
          expect(((await response.json()) as { error: { code: string } }).error.code).toBe("CSRF_FAILED");
        }
      } finally {
        await attackPage.close();
      }
      const schedule = await service.api<{ paused: boolean }>("GET", `/api/v1/schedules/${CSRF_TARGET}`);
      expect(schedule.body.paused, `paused by a form from ${host}`).toBe(false);
    }
  });

  it("refuses a credentialed fetch from another origin, and a same-origin change without the CSRF token", async () => {
    const action = `${service.url}/api/v1/schedules/${CSRF_TARGET}/pause`;
    for (const host of ["localhost", "127.0.0.1"]) {
      const attackPage = await tab.context.newPage();
      try {
        await attackPage.goto(`http://${host}:${attacker.port}${attacker.blankPath}`);
        const outcome = await attackPage.evaluate(
          (url) =>
            fetch(url, { method: "POST", credentials: "include" }).then(
              (response) => `status ${response.status}`,
              (error: Error) => `failed: ${error.name}`,
            ),
          action,
        );
        expect(outcome, `a fetch from ${host}`).toMatch(/^(failed: TypeError|status 401|status 403)$/);
      } finally {
        await attackPage.close();
      }
    }
    // The dashboard's own origin, the cookie sent, but no x-csrf-token header.
    await visit("#/");
    const sameOrigin = await page.evaluate(
      (path) => fetch(path, { method: "POST", credentials: "same-origin" }).then((r) => r.status),
      `/api/v1/schedules/${CSRF_TARGET}/pause`,
    );
    expect(sameOrigin).toBe(403);
    const schedule = await service.api<{ paused: boolean }>("GET", `/api/v1/schedules/${CSRF_TARGET}`);
    expect(schedule.body.paused).toBe(false);
  });

  it("sends a Content-Security-Policy without inline scripts, and no page of the dashboard violates it", async () => {
    for (const path of ["/", "/api/v1/whoami"]) {
      const response = await fetch(`${service.url}${path}`);
      const policy = response.headers.get("content-security-policy");
      expect(policy, `CSP of ${path}`).toBeTruthy();
      const directives = new Map(
        (policy ?? "").split(";").map((part) => {
          const [name = "", ...values] = part.trim().split(/\s+/);
          return [name, values] as const;
        }),
      );
      const scripts = directives.get("script-src") ?? directives.get("default-src") ?? [];
      expect(scripts, `script sources of ${path}`).toContain("'self'");
      expect(scripts).not.toContain("'unsafe-inline'");
      expect(scripts).not.toContain("'unsafe-eval'");
      expect(directives.get("object-src")).toEqual(["'none'"]);
      expect(directives.get("frame-ancestors")).toEqual(["'none'"]);
    }
    for (const hash of [
      "#/",
      "#/schedules",
      "#/schedules/new",
      `#/schedules/${PROBE_SCHEDULE}`,
      "#/runs",
      `#/runs/${jobs.logged}`,
      "#/dead",
      "#/audit",
      "#/tokens",
    ]) {
      await visit(hash);
      await expectNothingRan(hash);
    }
    expect(cspProblems(tab)).toEqual([]);
  });
});

if (chromiumMissing) console.warn(`dashboard-security: skipped, ${CHROMIUM_MISSING_MESSAGE}`);
