import { chmod, mkdtemp, readdir, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nip19 } from "nostr-tools";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/models/errors.js";
import { derivePubkey } from "../../../src/utils/keys.js";
import { type KeyLog, loadMonitorKey } from "../../../src/utils/monitor-key.js";

/** The monitor key in a temporary data directory: mode bits, stability, refusals. */
const SK = "5".repeat(64);
const PK = derivePubkey(Uint8Array.from(Buffer.from(SK, "hex")));
const ENV = "BIGBROTR_TEST_KEY";
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "bigbrotr-key-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function recordingLog() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const log: KeyLog = {
    info: (fields, message) => lines.push({ level: "info", fields, message }),
    warn: (fields, message) => lines.push({ level: "warn", fields, message }),
  };
  return { log, lines };
}

const load = (env: Record<string, string | undefined> = {}, dataDir = dir, log?: KeyLog) =>
  loadMonitorKey({ envName: ENV, env, dataDir, ...(log ? { log } : {}) });
const hexOf = (key: Uint8Array) => Buffer.from(key).toString("hex");
const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe("loadMonitorKey from the environment", () => {
  it.each([
    ["hex", SK],
    ["nsec", nip19.nsecEncode(Uint8Array.from(Buffer.from(SK, "hex")))],
  ])("takes a %s key and writes no file", async (_form, value) => {
    const { log, lines } = recordingLog();
    const key = await load({ [ENV]: value }, dir, log);
    expect(key).toEqual({
      secretKey: Uint8Array.from(Buffer.from(SK, "hex")),
      pubkey: PK,
      npub: nip19.npubEncode(PK),
      source: "env",
    });
    expect(await readdir(dir)).toEqual([]);
    expect(lines).toEqual([
      { level: "info", fields: { pubkey: PK, env: ENV }, message: "monitor_key_from_env" },
    ]);
  });

  it("refuses a malformed key, naming the variable and never the value", async () => {
    const secret = `${SK}00`;
    const error = await configError(load({ [ENV]: secret }));
    expect(error.message).toBe(
      "nostr.private_key_env: environment variable BIGBROTR_TEST_KEY is malformed",
    );
    expect(error.issues).toEqual([
      "BIGBROTR_TEST_KEY: secret key must be 64 hex characters or an nsec1… string",
    ]);
    expect(JSON.stringify({ m: error.message, i: error.issues })).not.toContain(SK);
  });

  it("treats an empty variable as unset", async () => {
    expect((await load({ [ENV]: "" })).source).toBe("generated");
  });
});

describe("loadMonitorKey from <dataDir>/monitor.key", () => {
  it("generates a key once, mode 0600, and returns the same key afterwards", async () => {
    const dataDir = join(dir, "nested", "data");
    const { log, lines } = recordingLog();
    const first = await load({}, dataDir, log);
    const path = join(dataDir, "monitor.key");
    expect(first.source).toBe("generated");
    expect(await modeOf(path)).toBe(0o600);
    expect(await modeOf(dataDir)).toBe(0o700);
    expect(first.pubkey).toBe(derivePubkey(first.secretKey));
    expect(first.npub).toBe(nip19.npubEncode(first.pubkey));
    const second = await load({}, dataDir, log);
    expect(second).toEqual({ ...first, source: "file" });
    expect(await readdir(dataDir)).toEqual(["monitor.key"]);
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ["warn", "monitor_key_generated"],
      ["info", "monitor_key_from_file"],
    ]);
    expect(JSON.stringify(lines)).not.toContain(hexOf(first.secretKey));
  });

  it("prefers the environment over an existing file", async () => {
    const generated = await load();
    const key = await load({ [ENV]: SK });
    expect(key.pubkey).toBe(PK);
    expect(key.pubkey).not.toBe(generated.pubkey);
    expect((await load()).pubkey).toBe(generated.pubkey);
  });

  it("ends with one key when several processes start at once", async () => {
    const keys = await Promise.all(Array.from({ length: 8 }, () => load()));
    expect(new Set(keys.map((k) => k.pubkey)).size).toBe(1);
    expect(keys.filter((k) => k.source === "generated")).toHaveLength(1);
    expect(await readdir(dir)).toEqual(["monitor.key"]);
  });

  it.each([0o644, 0o640, 0o604, 0o660])(
    "refuses a key file with mode %o, without echoing it",
    async (mode) => {
      const path = join(dir, "monitor.key");
      await writeFile(path, `${SK}\n`);
      await chmod(path, mode);
      const error = await configError(load());
      const octal = mode.toString(8).padStart(4, "0");
      expect(error.message).toBe(
        `${path} may be accessed by group or others (mode ${octal}); run: chmod 600 ${path}`,
      );
      expect(error.message).not.toContain(SK);
    },
  );

  it("accepts an nsec in the file, and refuses a file holding something else", async () => {
    const path = join(dir, "monitor.key");
    const nsec = nip19.nsecEncode(Uint8Array.from(Buffer.from(SK, "hex")));
    await writeFile(path, `${nsec}\n`, { mode: 0o600 });
    expect(await load()).toMatchObject({ pubkey: PK, source: "file" });
    await writeFile(path, "not a key\n", { mode: 0o600 });
    const error = await configError(load());
    expect(error.message).toBe(
      `${path} does not hold a secret key: secret key must be 64 hex characters or an nsec1… string`,
    );
  });

  it("refuses a symlink in place of the file", async () => {
    const target = join(dir, "elsewhere");
    await writeFile(target, `${SK}\n`, { mode: 0o600 });
    await symlink(target, join(dir, "monitor.key"));
    const error = await configError(load());
    expect(error.message).toBe(`${join(dir, "monitor.key")} is not a regular file`);
  });
});
