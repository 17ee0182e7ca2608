import { describe, expect, it } from "vitest";
import { parseConfig, parseYaml } from "../../../../src/core/config/load.js";
import { finderConfigSchema } from "../../../../src/services/finder/config.js";
import { configIssues } from "../../../support/config-issues.js";

const issuesOf = (raw: unknown) =>
  configIssues(() => parseConfig(finderConfigSchema, raw, "finder.yaml"));

describe("finder config", () => {
  it("fills every default from an empty file", () => {
    const config = parseConfig(finderConfigSchema, undefined, "finder.yaml");
    expect(config.interval).toBe(300);
    expect(config.events).toEqual({
      enabled: true,
      scan_size: 500,
      batch_size: 500,
      max_duration: 600,
    });
    expect(config.api.cooldown).toBe(86_400);
    expect(config.api.request_delay).toBe(1);
    expect(config.api.sources.map((s) => s.url)).toEqual([
      "https://api.nostr.watch/v1/online",
      "https://api.nostr.watch/v1/offline",
    ]);
    expect(config.api.sources[0]).toMatchObject({
      expression: "$[*]",
      timeout: 30,
      connect_timeout: 10,
      max_response_size: 5 * 1024 * 1024,
      allow_insecure: false,
      enabled: true,
    });
  });

  it("parses both deployment files", async () => {
    const { readFile } = await import("node:fs/promises");
    for (const profile of ["bigbrotr", "lilbrotr"]) {
      const path = `deployments/${profile}/config/services/finder.yaml`;
      const config = parseConfig(
        finderConfigSchema,
        parseYaml(await readFile(path, "utf8"), path),
        path,
      );
      expect(config.api.sources).toHaveLength(2);
    }
  });

  it("reports unknown keys with their YAML path", () => {
    expect(
      issuesOf({
        events: { scan_sise: 10 },
        api: { sources: [{ url: "https://x.example", extra: 1 }] },
      }),
    ).toEqual([
      "events.scan_sise: unknown key (check the spelling)",
      "api.sources[0].extra: unknown key (check the spelling)",
    ]);
  });

  it("refuses connect_timeout > timeout, at the connect_timeout path", () => {
    const issues = issuesOf({
      api: { sources: [{ url: "https://x.example", timeout: 5, connect_timeout: 6 }] },
    });
    expect(issues).toEqual(["api.sources[0].connect_timeout: must be ≤ timeout (5)"]);
  });

  it("refuses a path expression outside the subset, with the reason", () => {
    const issues = issuesOf({
      api: { sources: [{ url: "https://x.example", expression: "$..url" }] },
    });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(
      /^api\.sources\[0\]\.expression: invalid path: expected a member name/,
    );
  });

  it.each([
    [{ events: { scan_size: 5 } }, /^events\.scan_size:/],
    [{ events: { batch_size: 20_000 } }, /^events\.batch_size:/],
    [{ events: { kinds: [] } }, /^events\.kinds:/],
    [{ events: { kinds: [70_000] } }, /^events\.kinds\[0\]:/],
    [{ api: { cooldown: 0 } }, /^api\.cooldown:/],
    [{ api: { cooldown: 604_801 } }, /^api\.cooldown:/],
    [{ api: { request_delay: 11 } }, /^api\.request_delay:/],
    [
      { api: { sources: [{ url: "https://x.example", max_response_size: 1000 }] } },
      /max_response_size/,
    ],
    [
      { api: { sources: [{ url: "https://x.example", max_response_size: 51 * 1024 * 1024 }] } },
      /max_response_size/,
    ],
    [
      { api: { sources: [{ url: "ftp://x.example" }] } },
      /^api\.sources\[0\]\.url: must be an http\(s\) URL/,
    ],
    [{ api: { sources: [{ url: "https://u:p@x.example" }] } }, /without credentials/],
    [{ api: { sources: [{ url: "not a url" }] } }, /^api\.sources\[0\]\.url:/],
    [
      { api: { sources: [{ url: "https://x.example" }, { url: "https://x.example" }] } },
      /^api\.sources\[1\]\.url: duplicate source URL/,
    ],
  ])("refuses %j", (raw, issue) => {
    const issues = issuesOf(raw);
    expect(issues.some((i) => issue.test(i))).toBe(true);
  });

  it("accepts an empty source list and a kinds allow-list", () => {
    const config = parseConfig(
      finderConfigSchema,
      { api: { sources: [] }, events: { kinds: [3, 10002] } },
      "finder.yaml",
    );
    expect(config.api.sources).toEqual([]);
    expect(config.events.kinds).toEqual([3, 10002]);
  });
});
