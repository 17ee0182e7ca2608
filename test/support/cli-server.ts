/**
 * A long-running `bigbrotr` command (api, relay, `up --only …`) as a child process on a test
 * database, with a config folder of its own: shared by the CLI tests of the servers.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";

const BIN = resolve("bin/bigbrotr.js");

/** A config folder under `root`: a JSON-logging brotr.yaml and the given services/<name>.yaml. */
export async function serverConfigDir(
  root: string,
  services: Readonly<Record<string, string>>,
): Promise<string> {
  const dir = await mkdtemp(join(root, "config-"));
  await mkdir(join(dir, "services"));
  await writeFile(join(dir, "brotr.yaml"), "log: { format: json }\nmetrics: { enabled: false }\n");
  for (const [name, yaml] of Object.entries(services)) {
    await writeFile(join(dir, "services", `${name}.yaml`), yaml);
  }
  return dir;
}

/** `bigbrotr <args>` with BIGBROTR_CONFIG_DIR=dir on `databaseUrl`. */
export function startCli(args: readonly string[], dir: string, databaseUrl: string): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, BIGBROTR_CONFIG_DIR: dir, DATABASE_URL: databaseUrl },
    stdio: "pipe",
  });
}

/** The first JSON log line of `child` with `msg`, once printed; rejects if it exits first. */
export function logLine(child: ChildProcess, msg: string): Promise<Record<string, unknown>> {
  let seen = "";
  return new Promise((ready, fail) => {
    child.stdout?.on("data", (d: Buffer) => {
      seen += d.toString();
      const line = seen.split("\n").find((l) => l.includes(`"msg":"${msg}"`));
      if (line !== undefined) ready(JSON.parse(line) as Record<string, unknown>);
    });
    child.on("exit", () => fail(new Error(`exited before ${msg}: ${seen}`)));
  });
}
