import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseConfig, parseYaml } from "../../../../src/core/config/load.js";
import { brotrConfigSchema, serviceBaseShape } from "../../../../src/core/config/schemas.js";
import { configIssues } from "../../../support/config-issues.js";

const issuesOf = configIssues;

describe("brotr config", () => {
  it("fills every default from an empty file", () => {
    const config = parseConfig(brotrConfigSchema, undefined, "brotr.yaml");
    expect(config.profile).toBe("bigbrotr");
    expect(config.database.partitions).toBe(16);
    expect(config.database.embedded).toEqual({ data_dir: "./data", port: 54_329 });
    expect(config.networks.clearnet).toEqual({ enabled: true, max_tasks: 30, timeout: 10 });
    expect(config.networks.tor.proxy).toBe("socks5h://127.0.0.1:9050");
    expect(config.allow_private).toBe(false);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("keeps the other defaults of a network when one field is overridden", () => {
    const config = parseConfig(
      brotrConfigSchema,
      parseYaml("networks:\n  tor:\n    enabled: true\n", "brotr.yaml"),
      "brotr.yaml",
    );
    expect(config.networks.tor).toEqual({
      enabled: true,
      max_tasks: 10,
      timeout: 30,
      proxy: "socks5h://127.0.0.1:9050",
    });
    expect(config.networks.i2p.enabled).toBe(false);
  });

  it("reports every problem with its YAML path, unknown keys included", () => {
    const raw = parseYaml(
      [
        "profile: tinybrotr",
        "database:",
        "  partitions: 0",
        "  pool: { max: 500 }",
        "networks:",
        "  tor: { enabld: true, proxy: 'http://x:1' }",
        "extra: 1",
      ].join("\n"),
      "brotr.yaml",
    );
    const issues = issuesOf(() => parseConfig(brotrConfigSchema, raw, "brotr.yaml"));
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^profile: /),
        expect.stringMatching(/^database\.partitions: .*>=1/),
        expect.stringMatching(/^database\.pool\.max: .*<=100/),
        "networks.tor.enabld: unknown key (check the spelling)",
        expect.stringMatching(/^networks\.tor\.proxy: must look like socks5h/),
        "extra: unknown key (check the spelling)",
      ]),
    );
    expect(issues).toHaveLength(6);
  });

  it("rejects broken YAML and duplicate keys with the line", () => {
    expect(issuesOf(() => parseYaml("a: [1, 2\nb: 3", "x.yaml"))[0]).toMatch(/^line \d+: /);
    expect(issuesOf(() => parseYaml("a: 1\na: 2\n", "x.yaml"))[0]).toMatch(/unique|duplicate/i);
  });
});

describe("service base config", () => {
  const schema = z.strictObject({ ...serviceBaseShape, batch: z.int().min(1).default(10) });

  it("applies the spec's defaults and ranges", () => {
    const config = parseConfig(schema, {}, "svc.yaml");
    expect(config).toMatchObject({ enabled: true, interval: 300, max_consecutive_failures: 5 });
    expect(config.metrics).toEqual({
      enabled: false,
      host: "127.0.0.1",
      port: 8000,
      path: "/metrics",
    });
    const issues = issuesOf(() =>
      parseConfig(
        schema,
        { interval: 999_999_999, max_consecutive_failures: -1, metrics: { path: "m" } },
        "svc.yaml",
      ),
    );
    expect(issues.map((i) => i.split(":")[0]).sort()).toEqual([
      "interval",
      "max_consecutive_failures",
      "metrics.path",
    ]);
  });
});
