/**
 * One soak run: PostgreSQL, the devnet and its publishers, every service as its own process,
 * the API under load, the faults (unless `faults` is false); then the producers stop, the
 * services catch up, and the archive is accounted for.
 */
import { chmod, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { freePort } from "../../test/support/free-port.js";
import { type ApiLoad, startApiLoad } from "./soak-api-load.js";
import { accountArchive, checksSince, leftLeases } from "./soak-checks.js";
import { writeSoakConfig } from "./soak-config.js";
import { startSoakDatabase } from "./soak-database.js";
import { type DoneFault, planFaults, runFaults } from "./soak-faults.js";
import { type SoakDevnet, startNetwork, startPublisher } from "./soak-network.js";
import { type SoakOutcome, summarise } from "./soak-outcome.js";
import { type SoakService, type Supervisor, startSupervisor } from "./soak-services.js";

export interface SoakOptions {
  minutes: number;
  seed: number;
  faults: boolean;
  relays: number;
  /** Events published a second. */
  rate: number;
  /** A deliberate breakage, to show the checks fail: "delete-sighting". */
  breakage?: string;
  /** Aborted (Ctrl-C, SIGTERM): the run stops, its processes and PostgreSQL with it. */
  signal?: AbortSignal;
}

const LOOKBACK_S = 900;
const LATE_MAX_S = 300;
let stopSignal: AbortSignal | undefined;
const sleep = (ms: number) => delay(Math.max(0, ms), undefined, { signal: stopSignal });

async function waitFor(what: string, ms: number, ok: () => boolean | Promise<boolean>) {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`soak: ${what} did not happen within ${ms / 1000} s`);
    await sleep(500);
  }
}

/** Restarts `name` gracefully and waits for its first completed cycle (bounded). */
async function freshCycle(sup: Supervisor, name: SoakService, ms: number): Promise<void> {
  const svc = sup.services.get(name);
  if (!svc) return;
  const asked = Date.now();
  const old = svc.lives.at(-1)?.pid;
  sup.restart(name);
  // A cycle of the new process: the old one may log its cut-short cycle as it stops.
  await waitFor(`a ${name} cycle after the producers stopped`, ms, () =>
    svc.lines.some((l) => l.msg === "cycle_completed" && l.pid !== old && l.t > asked),
  );
}

/**
 * Synchronizer cycles from a fresh process until nothing counted is missing, at most three (a
 * relay may fail its sync in one cycle on a loaded machine and be caught up by the next).
 */
async function catchUp(sup: Supervisor, pool: import("pg").Pool, dev: SoakDevnet) {
  for (let i = 0; i < 3; i++) {
    await freshCycle(sup, "synchronizer", 300_000);
    if ((await accountArchive(pool, dev, false)).lostEvents === 0) return;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * A free port below Linux's ephemeral range (32768–60999) for the API: the devnet's relays
 * listen on ephemeral ports, and its flapping ones close theirs and take them back, so a port
 * freePort() hands out may be a relay's that is down for a moment (the API then crash-looped on
 * EADDRINUSE until the relay went down again).
 */
async function portBelowEphemeral(): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
  return freePort();
}

async function apiAnswers(base: string): Promise<boolean> {
  try {
    return (await fetch(`${base}/health`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

export async function runSoak(o: SoakOptions, log: (line: string) => void): Promise<SoakOutcome> {
  stopSignal = o.signal;
  const dir = await mkdtemp(join(tmpdir(), "bigbrotr-soak-"));
  await chmod(dir, 0o755); // the server runs as the postgres user when we are root
  const logDir = join(dir, "logs");
  await mkdir(logDir, { recursive: true });
  const db = await startSoakDatabase(join(dir, "pg"));
  const dev = await startNetwork(o.relays, o.seed);
  const seedFile = join(dir, "seeds.txt");
  await writeFile(seedFile, `${dev.urls.join("\n")}\n`);
  const apiPort = await portBelowEphemeral();
  const configDir = join(dir, "config");
  const dataDir = join(dir, "data");
  await writeSoakConfig({ dir: configDir, dataDir, seedFile, apiPort, lookback: LOOKBACK_S });
  const base = `http://127.0.0.1:${apiPort}`;
  log(`soak: ${o.relays} relays, ${o.minutes} min, seed ${o.seed}, faults ${o.faults}; ${dir}`);
  const sup = await startSupervisor({ configDir, databaseUrl: db.url, logDir });
  const publisher = await startPublisher(dev, o.seed, o.rate, LATE_MAX_S);
  let load: ApiLoad | undefined;
  let faults: DoneFault[] = [];
  try {
    await waitFor("the API answering", 300_000, () => apiAnswers(base));
    // The run's clock starts once every service is up: the schedule is relative to it.
    const t0 = Date.now();
    load = startApiLoad(base, dev.urls, 5);
    const seconds = Math.round(o.minutes * 60);
    const plan = o.faults ? planFaults(o.seed, seconds, dev.counted) : [];
    const running = runFaults(plan, t0, { db, dev, supervisor: sup });
    await sleep(t0 + seconds * 1000 - Date.now());
    faults = await running;
    publisher.stop();
    const producedUntil = Date.now();
    const producedS = (producedUntil - t0) / 1000;
    const archivedAtEnd = (await accountArchiveCount(db.pool)) / producedS;
    const checksPerMin = (await checksSince(db.pool, Math.floor(t0 / 1000))) / (producedS / 60);
    log("soak: producers stopped; letting the synchronizer and the refresher catch up");
    await catchUp(sup, db.pool, dev);
    // Nothing writes once the refresher's last cycle starts: its statistics must then be exact.
    await sup.retire(["finder", "validator", "monitor", "synchronizer"]);
    if (o.breakage === "delete-sighting") {
      // On a counted relay: only their sightings are accounted for.
      await deleteOneSighting(
        db.pool,
        dev.counted.map((i) => dev.urls[i] ?? ""),
      );
    }
    await freshCycle(sup, "refresher", 300_000);
    await load.stop();
    await sup.stop();
    const leases = await leftLeases(db.pool);
    const account = await accountArchive(db.pool, dev);
    const rates = { eventsPerS: archivedAtEnd, relaysPerMin: checksPerMin };
    const collected = { o, sup, faults, answers: load.answers, account, leases, rates, t0 };
    const ends = { relayUrls: dev.urls, producedUntil };
    const outcome = summarise({ ...collected, ...ends });
    outcome.dir = dir;
    return outcome;
  } finally {
    publisher.stop();
    await load?.stop();
    await sup.stop();
    await dev.close();
    await db.close();
  }
}

async function accountArchiveCount(pool: import("pg").Pool): Promise<number> {
  const r = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM event");
  return Number(r.rows[0]?.n ?? 0);
}

/** The breakage that shows lost_events can fail: one archived sighting deleted behind the soak's back. */
async function deleteOneSighting(pool: import("pg").Pool, urls: string[]): Promise<void> {
  await pool.query(
    `DELETE FROM event_relay WHERE (event_id, relay_id) = (SELECT er.event_id, er.relay_id
       FROM event_relay er JOIN relay r ON r.id = er.relay_id WHERE r.url = ANY($1) LIMIT 1)`,
    [urls],
  );
}
