import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // The second builds web/dist when stale, once, for the specs that serve or drive the pages.
    globalSetup: ["test/support/global-setup.ts", "test/web/global-setup.ts"],
    // Two cores here: two workers keep both busy without thrashing PostgreSQL.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ["default"],
  },
});
