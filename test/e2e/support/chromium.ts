import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

// The browser tests drive Debian's chromium through playwright-core: no browser download, ever
// (never `npx playwright install`).

export const CHROMIUM_PATH = "/usr/bin/chromium";

export const chromiumMissing = !existsSync(CHROMIUM_PATH);

export const CHROMIUM_MISSING_MESSAGE = `the dashboard's end-to-end tests need Debian's chromium at ${CHROMIUM_PATH}: apt-get install -y chromium`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
  });
}
