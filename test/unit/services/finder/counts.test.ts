import { describe, expect, it } from "vitest";
import { createRegistry, createServiceMetrics } from "../../../../src/core/metrics.js";
import { parseRelayUrl } from "../../../../src/models/index.js";
import {
  FinderCounts,
  REJECT_CLASSES,
  rejectClass,
} from "../../../../src/services/finder/counts.js";

function reasonOf(url: string): string {
  const parsed = parseRelayUrl(url);
  if (parsed.ok) throw new Error(`${url} was accepted`);
  return parsed.reason;
}

describe("rejectClass", () => {
  const cases: [string, string][] = [
    ["wss://user:pw@relay.example", "credentials"],
    ["wss://user@relay.example", "credentials"],
    ["https://relay.example", "scheme"],
    ["relay.example", "scheme"],
    ["wss:relay.example", "scheme"],
    ["wss://127.0.0.1", "private"],
    ["wss://10.1.2.3:7000", "private"],
    ["wss://localhost", "private"],
    ["wss://[::1]", "private"],
    [`wss://${"a".repeat(3000)}.example`, "length"],
    ["wss://relay.example:99999", "port"],
    ["wss://relay.example:abc", "port"],
    ["wss://relay .example", "characters"],
    ["  ", "empty"],
    ["wss://", "host"],
    ["wss://nodots", "host"],
    ["wss://bad.onion", "host"],
  ];
  it.each(cases)("%s → %s", (url, expected) => {
    expect(rejectClass(reasonOf(url))).toBe(expected);
  });

  it("maps unknown reasons to other and stays inside the label set", () => {
    expect(rejectClass("something new")).toBe("other");
    for (const [url] of cases) expect(REJECT_CLASSES).toContain(rejectClass(reasonOf(url)));
  });
});

describe("FinderCounts", () => {
  it("mirrors counts into metrics and the report", async () => {
    const registry = createRegistry();
    const counts = new FinderCounts(createServiceMetrics(registry, "finder"));
    counts.url("nip65", "new", 3);
    counts.url("nip65", "known");
    counts.rejected("hint", "credentials (userinfo) not allowed");
    counts.skipped("urls_capped");
    expect(counts.report()).toEqual({
      urls_new: 3,
      urls_known: 1,
      urls_invalid: 1,
      nip65_new: 3,
      nip65_known: 1,
      hint_invalid: 1,
      skipped_urls_capped: 1,
    });
    expect(counts.bySource()).toEqual({ nip65: 4, hint: 1 });
    expect(counts.logFields()).toEqual({ found: 5, nip65: 4, hint: 1 });
    expect(new FinderCounts(createServiceMetrics(createRegistry(), "finder")).logFields()).toEqual({
      found: 0,
    });
    const urls = await registry.getSingleMetric("brotr_finder_urls_total")?.get();
    expect(urls?.values).toContainEqual({
      value: 3,
      labels: { service: "finder", source: "nip65", outcome: "new" },
    });
    const rejected = await registry.getSingleMetric("brotr_finder_rejected_urls_total")?.get();
    expect(rejected?.values).toContainEqual({
      value: 1,
      labels: { service: "finder", source: "hint", reason: "credentials" },
    });
  });
});
