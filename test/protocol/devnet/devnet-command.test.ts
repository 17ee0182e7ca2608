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
    // Keys, certificates and events come first: seconds on a loaded machine.
    for (const end = Date.now() + 25_000; Date.now() < end && !existsSync(seedFile); )
      await sleep(25);
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

describe("bigbrotr devnet --negentropy", () => {
  it("relays list NIP-77 and answer NEG-OPEN", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bigbrotr-devnet-"));
    dirs.push(dir);
    const seedFile = join(dir, "seeds.txt");
    vi.spyOn(console, "log").mockImplementation(() => {});
    const program = new Command().exitOverride();
    const controller = new AbortController();
    registerDevnetCommand(program, { signal: controller.signal });
    const args = [
      "devnet",
      "--negentropy",
      "--relays",
      "2",
      "--events",
      "20",
      "--misbehaving",
      "0",
    ];
    const run = program.parseAsync([...args, "--seed-file", seedFile], { from: "user" });
    // Keys, certificates and events come first: seconds on a loaded machine.
    for (const end = Date.now() + 25_000; Date.now() < end && !existsSync(seedFile); )
      await sleep(25);
    try {
      const url = readFileSync(seedFile, "utf8")
        .split("\n")
        .find((l) => l.startsWith("ws://"));
      const nip11 = await fetch((url ?? "").replace("ws://", "http://"), {
        headers: { Accept: "application/nostr+json" },
      });
      expect(((await nip11.json()) as { supported_nips: number[] }).supported_nips).toContain(77);
      const client = await RawClient.connect(url ?? "");
      // An empty set's opening message: version, one IdList range of no ids up to infinity.
      client.send(["NEG-OPEN", "n", {}, "6100000200"]);
      const answer = await client.waitFor((m) => m[0] === "NEG-MSG");
      expect(answer[1]).toBe("n");
      expect(answer[2]).toMatch(/^61[0-9a-f]+$/);
      client.close();
    } finally {
      controller.abort();
      await run;
    }
  });
});
