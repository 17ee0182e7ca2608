import { defineConfig } from "vitest/config";

// Five projects: pure unit tests, real-PostgreSQL tests, loopback protocol tests, the
// explorer in a real headless Chromium, and end-to-end pipelines (real PostgreSQL + loopback
// relays). Nothing leaves 127.0.0.1.
const pgSetup = "./test/support/pg-global-setup.ts";
// Every test file runs with a guard that refuses connections outside loopback.
const setupFiles = ["./test/support/network-guard.ts"];

export default defineConfig({
  test: {
    reporters: ["default"],
    projects: [
      {
        test: {
          name: "unit",
          setupFiles,
          include: ["test/unit/**/*.test.ts"],
          // A few unit tests start child processes or worker threads: on a loaded 2-core
          // machine (CI runs every project at once) they take seconds, not milliseconds.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "db",
          setupFiles,
          include: ["test/db/**/*.test.ts"],
          globalSetup: [pgSetup],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "protocol",
          setupFiles,
          include: ["test/protocol/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "browser",
          setupFiles,
          include: ["test/browser/**/*.test.ts"],
          globalSetup: [pgSetup],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "e2e",
          setupFiles,
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: [pgSetup],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
