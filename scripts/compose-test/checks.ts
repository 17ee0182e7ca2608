import type { DevnetRelay } from "./host-devnet.js";
import { run, waitFor } from "./run.js";
import type { Stack } from "./stack.js";

/** What the archive holds; compared before `down` and after `up`. */
export interface Snapshot {
  relays: number;
  events: number;
  sightings: number;
  checks: number;
  monitorKey: string;
  at: number;
}

const count = async (stack: Stack, log: string, sql: string) =>
  Number((await stack.sql(sql, log))[0]?.[0] ?? Number.NaN);

/** Every devnet relay is in `relay`: the seeder's candidates passed the validator. */
export async function validated(
  stack: Stack,
  relays: DevnetRelay[],
  log: string,
  timeoutS: number,
) {
  return waitFor(`${stack.profile}: ${relays.length} relays validated`, timeoutS, async () => {
    const rows = new Set((await stack.sql("SELECT url FROM relay", log)).map((r) => r[0]));
    return relays.every((r) => rows.has(r.url)) ? rows.size : undefined;
  });
}

/** Every relay has a NIP-66 rtt check and a NIP-11 document from the monitor. */
export async function monitored(
  stack: Stack,
  relays: DevnetRelay[],
  log: string,
  timeoutS: number,
) {
  const sql = `SELECT r.url FROM relay r WHERE
    EXISTS (SELECT 1 FROM relay_metadata m WHERE m.relay_id = r.id AND m.metadata_type = 'nip66_rtt')
    AND EXISTS (SELECT 1 FROM relay_metadata m WHERE m.relay_id = r.id AND m.metadata_type = 'nip11_info')`;
  return waitFor(`${stack.profile}: every relay monitored (rtt + NIP-11)`, timeoutS, async () => {
    const rows = new Set((await stack.sql(sql, log)).map((r) => r[0]));
    return relays.every((r) => rows.has(r.url)) ? rows.size : undefined;
  });
}

/** Every relay's events are archived and seen on it (the monitor's own test events may add). */
export async function synced(stack: Stack, relays: DevnetRelay[], log: string, timeoutS: number) {
  const sql = `SELECT r.url, count(*) FROM event_relay er JOIN relay r ON r.id = er.relay_id GROUP BY r.url`;
  return waitFor(`${stack.profile}: every relay's events archived`, timeoutS, async () => {
    const seen = new Map((await stack.sql(sql, log)).map((r) => [r[0], Number(r[1])]));
    const behind = relays.filter((r) => (seen.get(r.url) ?? 0) < r.events);
    return behind.length === 0 ? count(stack, log, "SELECT count(*) FROM event") : undefined;
  });
}

async function prometheusApi(stack: Stack, path: string, log: string): Promise<unknown> {
  const url = `http://127.0.0.1:9090${path}`;
  const r = await stack.compose(["exec", "-T", "prometheus", "wget", "-qO-", url], log);
  return JSON.parse(r.stdout);
}

interface Target {
  labels: { job: string };
  health: string;
  lastError: string;
}

/** Prometheus's targets API shows every scrape job of prometheus.yml up. */
export async function scraped(stack: Stack, jobs: string[], log: string, timeoutS: number) {
  return waitFor(`${stack.profile}: Prometheus scraping ${jobs.join(", ")}`, timeoutS, async () => {
    const body = (await prometheusApi(stack, "/api/v1/targets", log)) as {
      data: { activeTargets: Target[] };
    };
    const up = body.data.activeTargets.filter((t) => t.health === "up").map((t) => t.labels.job);
    const down = jobs.filter((j) => !up.includes(j));
    if (down.length > 0) throw new Error(`not up: ${down.join(", ")}`);
    return up.length;
  });
}

/** Whether Prometheus still answers for a moment before the restart (its TSDB was kept). */
export async function prometheusHas(stack: Stack, job: string, at: number, log: string) {
  const q = encodeURIComponent(`up{job="${job}"}`);
  const body = (await prometheusApi(stack, `/api/v1/query?query=${q}&time=${at}`, log)) as {
    data: { result: unknown[] };
  };
  return body.data.result.length > 0;
}

/**
 * GET `path` from inside the api container (the host's published port is on an internal
 * network here): the status and the body.
 */
async function apiGet(stack: Stack, path: string, log: string) {
  const script = `fetch("http://127.0.0.1:8080${path}").then(async (r) => {
    process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() }));
  }, (e) => { console.error(String(e)); process.exit(1); });`;
  const r = await stack.compose(["exec", "-T", "api", "node", "-e", script], log);
  return JSON.parse(r.stdout) as { status: number; body: string };
}

/**
 * The API answers /health, and /v1/relays lists every devnet relay as the reader role sees
 * them through PgBouncer's read-only pool.
 */
export async function apiServes(
  stack: Stack,
  relays: DevnetRelay[],
  log: string,
  timeoutS: number,
) {
  return waitFor(`${stack.profile}: the API serving /health and /v1/relays`, timeoutS, async () => {
    const health = await apiGet(stack, "/health", log);
    if (health.status !== 200) throw new Error(`/health answered ${health.status}`);
    const page = await apiGet(stack, "/v1/relays?limit=500", log);
    if (page.status !== 200) throw new Error(`/v1/relays answered ${page.status}: ${page.body}`);
    const listed = new Set(
      (JSON.parse(page.body) as { relays: { url: string }[] }).relays.map((r) => r.url),
    );
    const missing = relays.filter((r) => !listed.has(r.url));
    if (missing.length > 0) throw new Error(`/v1/relays lacks ${missing.length} relays`);
    return listed.size;
  });
}

/** Long-running app containers report healthy through the image's HEALTHCHECK. */
export async function healthy(stack: Stack, services: string[], log: string, timeoutS: number) {
  return waitFor(`${stack.profile}: ${services.join(", ")} healthy`, timeoutS, async () => {
    const ids = (await stack.compose(["ps", "-q", ...services], log)).stdout.trim().split("\n");
    const r = await run("docker", ["inspect", "-f", "{{.Name}} {{.State.Health.Status}}", ...ids]);
    const sick = r.stdout
      .trim()
      .split("\n")
      .filter((l) => !l.endsWith(" healthy"));
    if (sick.length > 0) throw new Error(sick.join("; "));
    return true;
  });
}

/** The one-shot containers (init, seeder) ended with status 0. */
export async function exitedCleanly(stack: Stack, services: string[], log: string) {
  return waitFor(`${stack.profile}: ${services.join(", ")} exited 0`, 180, async () => {
    const ids = (await stack.compose(["ps", "-q", ...services], log)).stdout.trim().split("\n");
    const r = await run("docker", [
      "inspect",
      "-f",
      "{{.Name}} {{.State.Status}} {{.State.ExitCode}}",
      ...ids,
    ]);
    const lines = r.stdout.trim().split("\n");
    const failed = lines.filter((l) => l.includes(" exited ") && !l.endsWith(" exited 0"));
    if (failed.length > 0) return Promise.reject(new Error(`failed: ${failed.join("; ")}`));
    return lines.every((l) => l.endsWith(" exited 0")) ? true : undefined;
  });
}

export async function snapshot(stack: Stack, log: string): Promise<Snapshot> {
  const key = await stack.compose(
    ["exec", "-T", "monitor", "sh", "-c", "sha256sum /app/data*/monitor.key"],
    log,
  );
  return {
    relays: await count(stack, log, "SELECT count(*) FROM relay"),
    events: await count(stack, log, "SELECT count(*) FROM event"),
    sightings: await count(stack, log, "SELECT count(*) FROM event_relay"),
    checks: await count(stack, log, "SELECT count(*) FROM relay_metadata"),
    monitorKey: key.stdout.split(" ")[0] ?? "",
    at: Date.now() / 1000,
  };
}
