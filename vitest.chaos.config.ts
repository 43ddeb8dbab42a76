import { defineConfig } from "vitest/config";

// Multi-process chaos tests: real worker processes against the real PostgreSQL server
// (TASKFLOW_TEST_DATABASE_URL), killed, frozen, and the server restarted. One file at a time:
// they share the server and the machine's cores, and one of them restarts the server.
export default defineConfig({
  test: {
    include: ["test/chaos/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 60_000,
    globalSetup: ["test/support/global-setup.ts"],
  },
});
