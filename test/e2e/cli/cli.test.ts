import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../support/free-port.js";

const BIN = resolve("bin/bigbrotr.js");

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function childEnv(configDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, BIGBROTR_CONFIG_DIR: configDir };
  delete env.DATABASE_URL;
  return env;
}

function start(args: string[], configDir: string): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { env: childEnv(configDir), stdio: "pipe" });
}

function collect(child: ChildProcess, onOut?: (text: string) => void): Promise<Result> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
    onOut?.(stdout);
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((done) => child.on("close", (code) => done({ code, stdout, stderr })));
}

const run = (args: string[], configDir: string) => collect(start(args, configDir));

let root: string;
let configDir: string;
let dataDir: string;
let metricsPort: number;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "bigbrotr-cli-"));
  await chmod(root, 0o755); // the embedded server may run as the postgres user
  configDir = join(root, "config");
  dataDir = join(root, "data");
  await (await import("node:fs/promises")).mkdir(join(configDir, "services"), { recursive: true });
  const port = await freePort();
  metricsPort = await freePort();
  await writeFile(
    join(configDir, "brotr.yaml"),
    `database:\n  embedded: { data_dir: ${dataDir}, port: ${port} }\n  partitions: 2\nmetrics: { enabled: true, port: ${metricsPort} }\nlog: { format: json }\n`,
  );
  await writeFile(join(configDir, "services", "refresher.yaml"), "interval: 3600\n");
  // Never the public network from a test: the services that reach out are off here.
  for (const name of ["seeder", "finder", "validator"]) {
    await writeFile(join(configDir, "services", `${name}.yaml`), "enabled: false\n");
  }
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("bigbrotr CLI", () => {
  it("prints help for the program and every command", async () => {
    for (const args of [
      ["--help"],
      ["up", "--help"],
      ["migrate", "--help"],
      ["status", "--help"],
      ["refresher", "--help"],
    ]) {
      const result = await run(args, configDir);
      expect(result.code, args.join(" ")).toBe(0);
      expect(result.stdout).toMatch(/^Usage: bigbrotr/);
    }
  });

  it("exits with code 2 and every YAML path on a bad configuration", async () => {
    const bad = join(root, "bad");
    await (await import("node:fs/promises")).mkdir(join(bad, "services"), { recursive: true });
    await writeFile(join(bad, "brotr.yaml"), "profile: big\nnetworks: { tor: { timeot: 3 } }\n");
    const result = await run(["migrate"], bad);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("configuration error");
    expect(result.stderr).toMatch(/- profile: /);
    expect(result.stderr).toContain("- networks.tor.timeot: unknown key");
    await writeFile(join(bad, "brotr.yaml"), "log: { format: json }\n");
    await writeFile(
      join(bad, "services", "refresher.yaml"),
      "interval: 5\nretention: { relay_metadata: { keep_days: 7 } }\n",
    );
    const svc = await run(["refresher", "--once"], bad);
    expect(svc.code).toBe(2);
    expect(svc.stderr).toMatch(/- interval: /);
    expect(svc.stderr).toMatch(/- retention\.relay_metadata\.keep_days: /);
  });

  it("migrates the embedded database, runs, stops on SIGTERM and reports status", async () => {
    const migrated = await run(["migrate"], configDir);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toContain("schema_up_to_date");
    expect(existsSync(join(dataDir, "pg", "postmaster.pid"))).toBe(false);

    // Only the refresher: the seeder and finder default to public sources, and tests stay on 127.0.0.1.
    const child = start(["up", "--only", "refresher"], configDir);
    let scrape: Promise<string> | undefined;
    const result = await collect(child, (out) => {
      if (!scrape && out.includes('"cycle_completed"')) {
        // Scrape the running process's metrics, then ask it to stop.
        scrape = fetch(`http://127.0.0.1:${metricsPort}/metrics`)
          .then((r) => r.text())
          .finally(() => {
            // One Ctrl-C often arrives twice (terminal and npm both signal): it must still
            // count as one request for a clean shutdown, not as "force".
            child.kill("SIGTERM");
            setTimeout(() => child.kill("SIGTERM"), 50);
          });
      }
    });
    expect(scrape).toBeDefined();
    const metrics = await (scrape as Promise<string>);
    const series = (name: string, ...labels: string[]) =>
      metrics
        .split("\n")
        .find((l) => l.startsWith(`${name}{`) && labels.every((x) => l.includes(x)));
    expect(series("brotr_cycles_total", 'service="refresher"', 'outcome="success"')).toMatch(/ 1$/);
    expect(series("brotr_statistics_chunks_total", 'phase="finish"')).toMatch(/ 1$/);
    expect(series("brotr_consecutive_failures", 'service="refresher"')).toMatch(/ 0$/);
    expect(metrics).toContain("brotr_process_cpu_user_seconds_total");
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('"service_stopped"');
    expect(result.stdout).toContain('"embedded_database_stopped"');
    expect(existsSync(join(dataDir, "pg", "postmaster.pid"))).toBe(false);

    const status = await run(["status", "--json"], configDir);
    expect(status.code, status.stderr).toBe(0);
    const parsed = JSON.parse(status.stdout.slice(status.stdout.indexOf("{")));
    expect(parsed.profile).toBe("bigbrotr");
    expect(parsed.networks).toHaveLength(4);
    expect(parsed.services).toEqual([
      expect.objectContaining({ service: "refresher", ok: true, consecutiveFailures: 0 }),
    ]);
    expect(parsed.synchronizer).toMatchObject({ relays: 0, gaps: 0, gapRelays: [] });
    expect(parsed.statistics).toMatchObject({ pendingRows: 0, refreshedAt: expect.any(Number) });
    expect(parsed.coverage).toMatchObject({ relays: 0, coverage: null, least: [] });
    const text = await run(["status"], configDir);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain("synchronizer: no relay has a cursor yet");
    expect(text.stdout).toMatch(/statistics: refreshed .* ago, 0 archive rows not counted yet/);
    expect(text.stdout).toContain("coverage: no relay measured yet");
  });
});
