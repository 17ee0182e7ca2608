import { describe, expect, it } from "vitest";
import { parseConfig, parseYaml } from "../../../../src/core/config/load.js";
import { retryDelay } from "../../../../src/services/validator/backoff.js";
import { validatorConfigSchema } from "../../../../src/services/validator/config.js";
import { configIssues } from "../../../support/config-issues.js";

const issuesOf = (yaml: string) =>
  configIssues(() =>
    parseConfig(validatorConfigSchema, parseYaml(yaml, "validator.yaml"), "validator.yaml"),
  );

describe("validator config", () => {
  it("fills the defaults from an empty file", () => {
    const config = parseConfig(validatorConfigSchema, undefined, "validator.yaml");
    expect(config.interval).toBe(300);
    expect(config.processing).toEqual({
      chunk_size: 100,
      retry_interval: 3600,
      max_retry_interval: 86_400,
      allow_insecure: false,
      max_failures: 35,
      probe_timeout_factor: 1,
    });
    expect(config.processing.max_candidates).toBeUndefined();
  });

  it.each([
    ["processing:\n  chunk_size: 9", "processing.chunk_size"],
    ["processing:\n  chunk_size: 1001", "processing.chunk_size"],
    ["processing:\n  chunk_size: 50.5", "processing.chunk_size"],
    ["processing:\n  max_candidates: 0", "processing.max_candidates"],
    ["processing:\n  retry_interval: 59", "processing.retry_interval"],
    ["processing:\n  max_failures: -1", "processing.max_failures"],
    ["processing:\n  probe_timeout_factor: 5", "processing.probe_timeout_factor"],
    ["processing:\n  allow_insecure: yes-please", "processing.allow_insecure"],
    [
      "processing:\n  retry_interval: 7200\n  max_retry_interval: 3600",
      "processing.max_retry_interval",
    ],
  ])("rejects %j at its YAML path", (yaml, path) => {
    const issues = issuesOf(yaml);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(new RegExp(`^${path.replace(".", "\\.")}: `));
  });

  it("names every unknown key", () => {
    expect(issuesOf("procesing: {}\nprocessing:\n  chunksize: 10\n").sort()).toEqual([
      "procesing: unknown key (check the spelling)",
      "processing.chunksize: unknown key (check the spelling)",
    ]);
  });

  it("accepts max_failures 0 (never drop) and the bounds themselves", () => {
    const config = parseConfig(
      validatorConfigSchema,
      {
        processing: { chunk_size: 10, max_failures: 0, retry_interval: 60, max_retry_interval: 60 },
      },
      "validator.yaml",
    );
    expect(config.processing).toMatchObject({ chunk_size: 10, max_failures: 0 });
  });
});

describe("retry backoff", () => {
  it("doubles from retry_interval and stops at max_retry_interval", () => {
    const hours = [1, 2, 3, 4, 5, 6, 7, 100].map((n) => retryDelay(n, 3600, 86_400) / 3600);
    expect(hours).toEqual([1, 2, 4, 8, 16, 24, 24, 24]);
  });

  it("is constant when both intervals are equal, and treats 0 failures like 1", () => {
    expect(retryDelay(0, 600, 600)).toBe(600);
    expect(retryDelay(50, 600, 600)).toBe(600);
  });

  it("never overflows for absurd failure counts", () => {
    expect(retryDelay(Number.MAX_SAFE_INTEGER, 60, 2_592_000)).toBe(2_592_000);
    expect(Number.isFinite(retryDelay(1e9, 604_800, 2_592_000))).toBe(true);
  });
});

describe("default candidate lifetime", () => {
  it("drops a dead candidate after about 30 days of retries, as the original did", () => {
    const { processing } = parseConfig(validatorConfigSchema, {}, "validator.yaml");
    let span = 0; // from the first failure to the failure that reaches max_failures
    for (let n = 1; n < processing.max_failures; n++) {
      span += retryDelay(n, processing.retry_interval, processing.max_retry_interval);
    }
    const days = span / 86_400;
    expect(days).toBeGreaterThan(28);
    expect(days).toBeLessThan(32);
  });
});
