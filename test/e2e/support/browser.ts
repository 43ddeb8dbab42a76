import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";

// One browser per test file; one context (its own cookie jar) per signed-in person. Every
// console message and every Content-Security-Policy violation of every page is kept, so a test
// can assert that browsing the whole dashboard broke no policy.

export const SCREENSHOT_DIR = fileURLToPath(new URL("../../../test-artifacts/screenshots", import.meta.url));

/** How long a locator waits for the dashboard to show something (it polls the API every 3 s). */
export const UI_TIMEOUT_MS = 15_000;

export interface DashboardTab {
  context: BrowserContext;
  page: Page;
  /** `type: text` of every console message, in order. */
  console: string[];
  /** Every `securitypolicyviolation` event, as `directive blockedURI (source:line)`. */
  cspViolations: string[];
  close(): Promise<void>;
}

/** A new browser context on the service's origin, with console and CSP listeners. */
export async function openTab(browser: Browser, baseURL: string): Promise<DashboardTab> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  const consoleMessages: string[] = [];
  const cspViolations: string[] = [];
  // A binding is called over the DevTools protocol: the page's CSP cannot block it.
  await context.exposeBinding("__e2eReportCsp", (_source, text: string) => {
    cspViolations.push(text);
  });
  await context.addInitScript({
    content: `document.addEventListener("securitypolicyviolation", (event) => {
      window.__e2eReportCsp(event.violatedDirective + " " + event.blockedURI + " (" + event.sourceFile + ":" + event.lineNumber + ")");
    });`,
  });
  const page = await context.newPage();
  page.on("console", (message) => consoleMessages.push(`${message.type()}: ${message.text()}`));
  page.on("pageerror", (error) => consoleMessages.push(`pageerror: ${error.message}`));
  return {
    context,
    page,
    console: consoleMessages,
    cspViolations,
    close: () => context.close(),
  };
}

/** CSP violations reported by the browser on the console, plus the page's own events. */
export function cspProblems(tab: DashboardTab): string[] {
  const fromConsole = tab.console.filter((line) => /content security policy/i.test(line));
  return [...fromConsole, ...tab.cspViolations];
}

/** Signs in through the sign-in page with an API token; resolves once the app shows. */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.goto("/");
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

/** Goes to a page of the dashboard through its navigation link. */
export async function openFromNav(page: Page, name: string): Promise<void> {
  await page.getByRole("navigation").getByRole("link", { name, exact: true }).click();
}

/** A full-page PNG in test-artifacts/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: "disabled" });
  return path;
}
