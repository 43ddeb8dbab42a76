import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Multi-process failure tests restart the shared PostgreSQL server: they run after these,
    // one file at a time (vitest.chaos.config.ts).
    exclude: ["test/chaos/**", "test/e2e/**", "node_modules/**"],
    // Integration tests share one PostgreSQL server and two cores; keep file parallelism modest.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ["test/support/global-setup.ts"],
  },
});
