/**
 * `npm run walkthrough`: the README's offline demo, done as a new user would do it, checking
 * what that user sees. In a fresh temporary folder (its own ./data and ./data-devnet) and on
 * ports of its own (BIGBROTR_DB_PORT, BIGBROTR_API_PORT, BIGBROTR_METRICS_PORT), so it runs
 * beside a demo already running; nothing leaves 127.0.0.1 (the devnet deployment only).
 *
 * 1. `bigbrotr devnet …` with the README's own arguments (read from the README), kept running;
 * 2. `bigbrotr up` with BIGBROTR_CONFIG_DIR=deployments/devnet/config (the README's `npm start`);
 * 3. `bigbrotr status` until every service has run: relays validated and checked, events
 *    archived, statistics refreshed; then its text, the API and the explorer (Chromium) are
 *    checked against each other: counts above zero and consistent, never exact (the devnet's
 *    relay mix may change);
 * 4. Ctrl-C on both, which must end them cleanly. Prints a pass/fail summary; exit 0 or 1.
 */
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../test/support/free-port.js";
import { Checks } from "./walkthrough/checks.js";
import { checkExplorer } from "./walkthrough/explorer.js";
import { interrupt, type Running, run, start, waitFor } from "./walkthrough/processes.js";
import { checkApi, checkStatusText, type Status, settled } from "./walkthrough/status.js";

const READY_TIMEOUT_MS = 360_000;

/** The devnet command of the README's "Try it offline" section, as arguments. */
async function readmeDevnetArgs(): Promise<string[]> {
  const readme = await readFile("README.md", "utf8");
  const line = /^npm run bigbrotr -- (devnet[^#\n]*)/m.exec(readme)?.[1];
  if (line === undefined) throw new Error("the README shows no `npm run bigbrotr -- devnet` line");
  return line.trim().split(/\s+/);
}

/** The user's environment, minus anything that would point the demo elsewhere. */
function demoEnv(ports: { db: number; api: number; metrics: number }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ["DATABASE_URL", "NOSTR_PRIVATE_KEY", "BIGBROTR_CONFIG_DIR"]) delete env[name];
  return {
    ...env,
    BIGBROTR_CONFIG_DIR: resolve("deployments/devnet/config"),
    BIGBROTR_DB_PORT: String(ports.db),
    BIGBROTR_API_PORT: String(ports.api),
    BIGBROTR_METRICS_PORT: String(ports.metrics),
  };
}

const tail = (p: Running) => p.output().trim().split("\n").slice(-8).join("\n");

/** Fails at once when a process that should keep running has ended. */
function alive(p: Running, name: string): void {
  if (p.child.exitCode !== null)
    throw new Error(`${name} exited (${p.child.exitCode}):\n${tail(p)}`);
}

async function statusJson(dir: string, env: NodeJS.ProcessEnv): Promise<Status | undefined> {
  const result = await run(["status", "--json"], dir, env);
  // Before the first migration, status has no counts yet (schemaVersion 0).
  const parsed = result.code === 0 ? (JSON.parse(result.stdout) as Partial<Status>) : {};
  return parsed.networks === undefined ? undefined : (parsed as Status);
}

async function demo(checks: Checks, dir: string): Promise<void> {
  const args = await readmeDevnetArgs();
  const ports = { db: await freePort(), api: await freePort(), metrics: await freePort() };
  const env = demoEnv(ports);
  const origin = `http://127.0.0.1:${ports.api}`;
  console.log(`walkthrough in ${dir}: bigbrotr ${args.join(" ")}; API ${origin}`);
  const devnet = start(args, dir, env);
  const up: { p: Running | undefined } = { p: undefined };
  try {
    await checks.step("devnet starts and writes its seed file", async () => {
      await waitFor(
        "the devnet's table",
        () => {
          alive(devnet, "devnet");
          return devnet.output().includes("Ctrl-C to stop") ? true : undefined;
        },
        120_000,
      );
      const seeds = await readFile(join(dir, "data", "devnet-seeds.txt"), "utf8");
      const urls = seeds.split("\n").filter((l) => l.startsWith("ws"));
      if (urls.length === 0) throw new Error("no relay URL in data/devnet-seeds.txt");
      return `${urls.length} relays`;
    });
    const p = start(["up"], dir, env);
    up.p = p;
    // As a user would: `up` has started its database (and its API answers) before `status`.
    await checks.step("bigbrotr up: the API answers", async () => {
      await waitFor(
        "the API",
        async () => {
          alive(p, "bigbrotr up");
          const ok = await fetch(`${origin}/health`).then(
            (r) => r.ok,
            () => false,
          );
          return ok ? true : undefined;
        },
        READY_TIMEOUT_MS,
      );
      return origin;
    });
    let status: Status | undefined;
    await checks.step("bigbrotr up: every service runs, status counts what they did", async () => {
      status = await waitFor(
        "relays validated, checked and synced, statistics refreshed",
        async () => {
          alive(p, "bigbrotr up");
          const s = await statusJson(dir, env);
          return s && settled(s) ? s : undefined;
        },
        READY_TIMEOUT_MS,
        3000,
      );
      return `${status.events} events, ${status.monitor.checked} relays checked`;
    });
    if (status === undefined) return;
    await checks.step("bigbrotr status: what a user reads", async () =>
      checkStatusText(await run(["status"], dir, env), status as Status),
    );
    const relays = await checkApi(checks, origin, status);
    if (relays !== undefined) {
      await checkExplorer(checks, { origin, relays, shots: resolve("test-artifacts/walkthrough") });
    }
    await checks.step("Ctrl-C stops bigbrotr up cleanly", async () => {
      const code = await interrupt(p, 120_000);
      up.p = undefined;
      if (code !== 0) throw new Error(`exit code ${code}:\n${tail(p)}`);
      if (!p.output().includes("embedded_database_stopped"))
        throw new Error("database not stopped");
      return "exit 0, embedded database stopped";
    });
  } finally {
    if (up.p) await interrupt(up.p, 60_000);
    const code = await interrupt(devnet, 30_000);
    checks.check(
      "Ctrl-C stops the devnet",
      code === 0 && devnet.output().includes("devnet stopped"),
    );
  }
}

async function main(): Promise<void> {
  const checks = new Checks();
  const dir = await mkdtemp(join(tmpdir(), "bigbrotr-walkthrough-"));
  await chmod(dir, 0o755); // the embedded server runs as the postgres user under root
  try {
    await demo(checks, dir);
  } catch (error) {
    checks.check("walkthrough ran to its end", false, String(error));
  }
  console.log(`\n${checks.summary()}`);
  if (checks.failed === 0) await rm(dir, { recursive: true, force: true });
  else console.log(`(its folder is kept for a look: ${dir})`);
  process.exitCode = checks.failed === 0 ? 0 : 1;
}

await main();
