import { defineConfig } from "vitest/config";

// Four projects: pure unit tests, real-PostgreSQL tests, loopback protocol tests and
// end-to-end pipelines (real PostgreSQL + loopback relays). Nothing leaves 127.0.0.1.
const pgSetup = "./test/support/pg-global-setup.ts";

export default defineConfig({
  test: {
    reporters: ["default"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "db",
          include: ["test/db/**/*.test.ts"],
          globalSetup: [pgSetup],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "protocol",
          include: ["test/protocol/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: [pgSetup],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
