import { defineConfig } from "vitest/config";

// Browser tests: the built dashboard in headless Chromium (Debian's, through playwright-core)
// against a real `taskflow start` on the embedded store. The global setup builds the dashboard
// first, so a test never sees a stale build. One file at a time: each file runs one service
// process and one browser, and they share the machine's cores.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
    globalSetup: ["test/e2e/support/global-setup.ts"],
  },
});
