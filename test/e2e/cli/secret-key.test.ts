import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = resolve("bin/bigbrotr.js");

function run(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: "pipe" });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) =>
    child.on("close", (code) => done({ code, stdout, stderr })),
  );
}

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "bigbrotr-key-"));
  await mkdir(join(root, "services"), { recursive: true });
  // A database that is never reached: the key is checked before anything connects.
  await writeFile(
    join(root, "brotr.yaml"),
    "nostr: { private_key_env: SYNC_TEST_KEY }\nlog: { format: json }\n",
  );
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("the Nostr key of nostr.private_key_env", () => {
  it("a malformed key is a configuration error naming the variable, never the value", async () => {
    for (const bad of ["zz".repeat(32), "nsec1qqqqqqqqqqqqqqqq", "ab".repeat(31)]) {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        BIGBROTR_CONFIG_DIR: root,
        DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
        SYNC_TEST_KEY: bad,
      };
      const result = await run(["synchronizer", "--once"], env);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain("configuration error");
      expect(result.stderr).toContain("SYNC_TEST_KEY");
      expect(result.stderr + result.stdout).not.toContain(bad);
    }
  });
});
