// npm run compose:test: starts the real deployments/bigbrotr and deployments/lilbrotr compose
// stacks (images built locally from deployments/Dockerfile, --network none, on internal
// networks only) against a `bigbrotr devnet` on each stack's network gateway, and checks that
// relays are validated, monitored and synced, that Prometheus scrapes every service, that the
// API answers /health and lists the relays on /v1/relays, and that `down` then `up` keeps the
// data. Needs root (or a Docker user), docker.io, docker-compose
// (v1.29 is enough) and debootstrap. Prints a table and `RESULT {json}`. docs/deployment.md.
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import * as check from "./compose-test/checks.js";
import { ensureDocker } from "./compose-test/docker.js";
import { HostDevnet } from "./compose-test/host-devnet.js";
import { localImages } from "./compose-test/images.js";
import { Stack } from "./compose-test/stack.js";

const PROFILES = ["bigbrotr", "lilbrotr"];
const WORK = join(tmpdir(), "bigbrotr-compose-test");
const LOG = join(WORK, "run.log");
const timings: Record<string, number> = {};
let mark = Date.now();

function lap(name: string): void {
  timings[name] = Math.round((Date.now() - mark) / 100) / 10;
  console.log(`  ${name}: ${timings[name]} s`);
  mark = Date.now();
}

/**
 * The scrape jobs that must be up: every static job, and each DNS-discovered one (the relay,
 * the DVM: compose profiles off by default) only when its service was started.
 */
function scrapeJobs(stack: Stack): string[] {
  const file = join(stack.deploymentDir, "monitoring/prometheus/prometheus.yml");
  const prom = parse(readFileSync(file, "utf8")) as {
    scrape_configs: { job_name: string; dns_sd_configs?: { names: string[] }[] }[];
  };
  return prom.scrape_configs
    .filter((j) => {
      const names = (j.dns_sd_configs ?? []).flatMap((d) => d.names);
      return names.length === 0 || names.some((n) => stack.services.includes(n));
    })
    .map((j) => j.job_name);
}

/** Up, the three checks, Prometheus; returns what the archive holds. */
async function upAndCheck(stack: Stack, devnet: HostDevnet, phase: string) {
  const log = LOG;
  // Creates the data network, so its gateway address exists for the devnet to listen on.
  // (Only postgres: Compose v1 hangs in `up --no-start` on a service_completed_successfully.)
  await stack.compose(["up", "--no-start", "--no-build", "postgres"], log);
  const relays = await devnet.start();
  await stack.compose(["up", "-d", "--no-build", ...stack.services], log);
  await check.exitedCleanly(stack, ["init", "seeder"], log);
  lap(`${stack.profile} ${phase}: up`);
  await check.validated(stack, relays, log, 240);
  lap(`${stack.profile} ${phase}: validated`);
  await check.monitored(stack, relays, log, 240);
  lap(`${stack.profile} ${phase}: monitored`);
  const events = await check.synced(stack, relays, log, 300);
  lap(`${stack.profile} ${phase}: synced`);
  const long = stack.appServices.filter((s) => !["init", "seeder"].includes(s));
  await check.healthy(stack, long, log, 180);
  const targets = await check.scraped(stack, scrapeJobs(stack), log, 180);
  lap(`${stack.profile} ${phase}: healthy, scraped`);
  const listed = await check.apiServes(stack, relays, log, 120);
  lap(`${stack.profile} ${phase}: api`);
  return { relays: relays.length, events, targets, apiRelays: listed };
}

async function testStack(stack: Stack, devnet: HostDevnet) {
  const log = LOG;
  console.log(
    `== ${stack.profile}: build the app image from deployments/Dockerfile (--network none)`,
  );
  await stack.compose(["build", "init"], log);
  lap(`${stack.profile}: app image`);
  const first = await upAndCheck(stack, devnet, "first up");
  const before = await check.snapshot(stack, log);
  console.log(`== ${stack.profile}: down, then up again`);
  await devnet.stop();
  await stack.compose(["down"], log);
  await upAndCheck(stack, devnet, "after down/up");
  const after = await check.snapshot(stack, log);
  const kept =
    after.relays >= before.relays &&
    after.events >= before.events &&
    after.sightings >= before.sightings &&
    after.checks >= before.checks &&
    after.monitorKey === before.monitorKey &&
    after.monitorKey !== "" &&
    (await check.prometheusHas(stack, "finder", before.at, log));
  if (!kept)
    throw new Error(
      `${stack.profile}: data lost across down/up: ${JSON.stringify({ before, after })}`,
    );
  return { ...first, before, after, notRun: stack.notRun };
}

/** Stopped on Ctrl-C / SIGTERM too, so no devnet outlives the script. */
const cleanups: (() => Promise<unknown>)[] = [];

async function cleanUp(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`${signal}: stopping the devnet and the stacks`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const only = process.argv.slice(2).filter((a) => !a.startsWith("-"));
  const keep = process.argv.includes("--keep");
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  console.log(`compose:test, log in ${LOG}`);
  const daemon = await ensureDocker(join(WORK, "dockerd.log"));
  lap(`dockerd (${daemon})`);
  const images = await localImages(WORK, LOG);
  lap("stand-in images");
  const results: Record<string, unknown> = {};
  const profiles = only.length > 0 ? only : PROFILES;
  for (const [i, profile] of profiles.entries()) {
    const stack = new Stack(profile, join(WORK, profile), PROFILES.indexOf(profile));
    const devnet = new HostDevnet(
      stack.gateway,
      17200 + 100 * i,
      join(stack.runDir, "seeds"),
      join(WORK, `devnet-${profile}.log`),
    );
    stack.prepare(images);
    cleanups.push(() => (keep ? Promise.resolve() : stack.compose(["down", "-v"], LOG, true)));
    cleanups.push(() => devnet.stop());
    try {
      results[profile] = await testStack(stack, devnet);
    } finally {
      await cleanUp();
    }
  }
  const total = Object.values(timings).reduce((a, b) => a + b, 0);
  console.log(
    `RESULT ${JSON.stringify({ ok: true, total_s: Math.round(total), timings, results })}`,
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  console.log(
    `RESULT ${JSON.stringify({ ok: false, error: String(err instanceof Error ? err.message : err).slice(0, 500), timings })}`,
  );
  process.exit(1);
});
