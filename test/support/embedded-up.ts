/**
 * `bigbrotr up` on an embedded PostgreSQL of its own in a temporary folder, as the e2e tests of
 * `up` run it: a devnet-like brotr.yaml (loopback relays allowed, metrics off, JSON logs).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "./free-port.js";

const BIN = resolve("bin/bigbrotr.js");

export interface EmbeddedUpFolder {
  root: string;
  configDir: string;
  dataDir: string;
  dbPort: number;
}

/** A temporary folder with config/brotr.yaml for an embedded server on a free port. */
export async function embeddedUpFolder(prefix: string): Promise<EmbeddedUpFolder> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  await chmod(root, 0o755); // the embedded server may run as the postgres user
  const configDir = join(root, "config");
  const dataDir = join(root, "data");
  await mkdir(join(configDir, "services"), { recursive: true });
  const dbPort = await freePort();
  await writeFile(
    join(configDir, "brotr.yaml"),
    [
      "database:",
      `  embedded: { data_dir: ${dataDir}, port: ${dbPort} }`,
      "  partitions: 2",
      "networks:",
      "  clearnet: { enabled: true, max_tasks: 4, timeout: 10 }",
      "allow_private: true",
      "metrics: { enabled: false }",
      "log: { format: json }",
      "",
    ].join("\n"),
  );
  return { root, configDir, dataDir, dbPort };
}

/** `bigbrotr up ARGS` on that folder's config, without DATABASE_URL (so on its embedded server). */
export function spawnUp(configDir: string, args: readonly string[]): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, BIGBROTR_CONFIG_DIR: configDir };
  delete env.DATABASE_URL;
  delete env.NOSTR_PRIVATE_KEY;
  return spawn(process.execPath, [BIN, "up", ...args], { env, stdio: "pipe" });
}

/** After a failed test: SIGTERM (the child stops its database), waiting up to 30 s. */
export async function stopLeftOver(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once("exit", done));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
}
