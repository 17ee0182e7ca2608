import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../../src/core/config/load.js";
import { ConfigError } from "../../../../src/models/errors.js";
import { DEFAULT_SEED_FILE, seederConfigSchema } from "../../../../src/services/seeder/config.js";
import { parseSeedText } from "../../../../src/services/seeder/seed-file.js";

describe("parseSeedText", () => {
  it("skips comments and blank lines, strips inline comments, canonicalises", () => {
    const text = [
      "# header",
      "",
      "wss://relay.damus.io",
      "   ",
      "  WSS://Nos.LOL/  # trailing comment",
      "\t# indented comment",
      "ws://relay.primal.net:443",
    ].join("\n");
    expect(parseSeedText(text)).toEqual({
      entries: [
        { line: 3, url: "wss://relay.damus.io", network: "clearnet" },
        { line: 5, url: "wss://nos.lol", network: "clearnet" },
        { line: 7, url: "wss://relay.primal.net", network: "clearnet" },
      ],
      rejected: [],
      duplicates: 0,
    });
  });

  it("reports each bad line with its number and reason", () => {
    const text = [
      "wss://ok.example.com", // .example.com is a real-looking name, not the reserved TLD
      "https://relay.damus.io",
      "wss://user:secret@relay.damus.io",
      "wss://127.0.0.1:7777",
      "relay.nostr.band",
      "wss://bad host.com",
      "wss://localhost",
    ].join("\r\n");
    const { entries, rejected } = parseSeedText(text);
    expect(entries.map((e) => e.line)).toEqual([1]);
    expect(rejected).toEqual([
      { line: 2, reason: "scheme must be ws or wss" },
      { line: 3, reason: "credentials (userinfo) not allowed" },
      { line: 4, reason: expect.stringMatching(/private or reserved/) },
      { line: 5, reason: "missing scheme" },
      { line: 6, reason: expect.any(String) },
      { line: 7, reason: expect.any(String) },
    ]);
  });

  it("keeps a # inside a URL (fragment) and drops it", () => {
    expect(parseSeedText("wss://relay.damus.io/#frag").entries[0]?.url).toBe(
      "wss://relay.damus.io",
    );
  });

  it("counts duplicates after canonicalisation and ignores a BOM", () => {
    const parsed = parseSeedText("\uFEFFwss://nos.lol\nwss://NOS.lol/\nws://nos.lol:443\n");
    expect(parsed.entries).toHaveLength(1);
    expect(parsed.duplicates).toBe(2);
    expect(parsed.rejected).toEqual([]);
  });

  it("classifies overlay networks", () => {
    const onion = `ws://${"2".repeat(56)}.onion`;
    const parsed = parseSeedText(`${onion}\nws://relay.some-name.i2p\n`);
    expect(parsed.entries.map((e) => e.network)).toContain("i2p");
  });

  it("handles a 10,000-line file quickly", () => {
    const lines = Array.from({ length: 10_000 }, (_, i) =>
      i % 10 === 9 ? `not-a-url-${i}` : `wss://relay${i}.example.org`,
    );
    const started = performance.now();
    const parsed = parseSeedText(lines.join("\n"));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(parsed.entries).toHaveLength(9000);
    expect(parsed.rejected).toHaveLength(1000);
    expect(parsed.rejected[0]).toEqual({ line: 10, reason: "missing scheme" });
  });

  it("accepts every line of the shipped seed list", () => {
    const parsed = parseSeedText(readFileSync(DEFAULT_SEED_FILE, "utf8"));
    expect(parsed.rejected).toEqual([]);
    expect(parsed.duplicates).toBe(0);
    expect(parsed.entries.length).toBeGreaterThanOrEqual(60);
    expect(parsed.entries.map((e) => e.url)).toContain("wss://relay.damus.io");
  });
});

describe("seeder config", () => {
  it("defaults to the packaged seed list, resolved from the package, not the cwd", () => {
    const config = parseConfig(seederConfigSchema, {}, "seeder.yaml");
    expect(config.seed).toEqual({ file_path: DEFAULT_SEED_FILE, to_validate: true });
    expect(DEFAULT_SEED_FILE).toMatch(/static[/\\]seed_relays\.txt$/);
    expect(existsSync(DEFAULT_SEED_FILE)).toBe(true);
  });

  it("rejects unknown keys and wrong types with their YAML paths", () => {
    try {
      parseConfig(
        seederConfigSchema,
        { seed: { file: "x", to_validate: "no", file_path: "" } },
        "seeder.yaml",
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const issues = (error as ConfigError).issues;
      expect(issues).toContain("seed.file: unknown key (check the spelling)");
      expect(issues.some((i) => i.startsWith("seed.to_validate: "))).toBe(true);
      expect(issues.some((i) => i.startsWith("seed.file_path: "))).toBe(true);
    }
  });
});
