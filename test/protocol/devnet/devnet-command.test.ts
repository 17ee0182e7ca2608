import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { registerDevnetCommand } from "../../../src/cli/commands/devnet.js";
import { RawClient, sleep } from "./helpers.js";

/** `bigbrotr devnet --tls`: wss:// relays whose certificate chains to a CA written to disk. */
const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("bigbrotr devnet --tls", () => {
  it("serves wss:// relays a client trusting the written CA can use", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bigbrotr-devnet-"));
    dirs.push(dir);
    const seedFile = join(dir, "seeds.txt");
    const caFile = join(dir, "ca.pem");
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args) => void lines.push(args.join(" ")));
    const program = new Command().exitOverride();
    const controller = new AbortController();
    registerDevnetCommand(program, { signal: controller.signal });
    const args = ["devnet", "--tls", "--relays", "2", "--events", "20", "--misbehaving", "0"];
    const run = program.parseAsync([...args, "--seed-file", seedFile, "--ca-file", caFile], {
      from: "user",
    });
    for (let i = 0; i < 200 && !existsSync(seedFile); i++) await sleep(25);
    try {
      const urls = readFileSync(seedFile, "utf8")
        .split("\n")
        .filter((l) => l !== "" && !l.startsWith("#"));
      expect(urls).toHaveLength(2);
      for (const url of urls) expect(url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
      const ca = readFileSync(caFile, "utf8");
      const client = await RawClient.connect(urls[0] ?? "", { ca });
      expect((await client.req("s", {})).length).toBeGreaterThan(0);
      client.close();
      await expect(RawClient.connect(urls[1] ?? "")).rejects.toMatchObject({
        code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      });
      expect(lines.join("\n")).toContain(`NODE_EXTRA_CA_CERTS=${caFile}`);
    } finally {
      controller.abort();
      await run;
    }
    expect(lines.at(-1)).toBe("devnet stopped");
  });
});
