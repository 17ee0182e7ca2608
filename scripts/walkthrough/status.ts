/**
 * What `bigbrotr status` and the API tell the walkthrough's user, checked against each other:
 * counts above zero and consistent, never exact numbers (the devnet's relay mix may change).
 */
import type { Checks } from "./checks.js";
import type { Finished } from "./processes.js";

/** The parts of `bigbrotr status --json` the walkthrough reads. */
export interface Status {
  networks: { network: string; candidates: number; relays: number; monitored: number }[];
  events: number;
  services: { service: string; ok: boolean }[];
  monitor: { relays: number; checked: number; up: number };
  synchronizer: { relays: number };
  statistics: { refreshedAt: number | null; pendingRows: number };
}

/** The services `bigbrotr up` runs with the devnet deployment (all but none). */
const SERVICES = ["seeder", "finder", "validator", "monitor", "synchronizer", "refresher"];

const relaysOf = (s: Status) => s.networks.reduce((sum, n) => sum + n.relays, 0);

/** Every service has completed a cycle, and each left something to see. */
export function settled(s: Status): boolean {
  const ran = SERVICES.every((name) => s.services.some((c) => c.service === name));
  return (
    ran &&
    relaysOf(s) > 0 &&
    s.monitor.checked > 0 &&
    s.synchronizer.relays > 0 &&
    s.events > 0 &&
    s.statistics.refreshedAt !== null
  );
}

/** The text a user reads: its lines say what the JSON says. */
export function checkStatusText(result: Finished, s: Status): string {
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr.trim()}`);
  const text = result.stdout;
  const events = /^events archived: ([\d,]+)/m.exec(text)?.[1];
  if (events === undefined) throw new Error("no 'events archived' line");
  if (Number(events.replace(/,/g, "")) < s.events)
    throw new Error(`events ${events} < ${s.events}`);
  const clearnet = /^clearnet +(\d+) +(\d+) +(\d+)/m.exec(text);
  if (!clearnet || Number(clearnet[2]) === 0) throw new Error("no clearnet row with relays");
  for (const name of SERVICES) {
    if (!new RegExp(`^${name} +.* ago +ok `, "m").test(text)) {
      throw new Error(`the services table has no ok row for ${name}`);
    }
  }
  const monitor = /^monitor: (\d+) of (\d+) relays? checked/m.exec(text);
  if (!monitor) throw new Error("no monitor line");
  if (!/^statistics: refreshed /m.test(text)) throw new Error("no statistics line");
  return `${events} events, ${clearnet[2]} clearnet relays, monitor ${monitor[1]}/${monitor[2]}`;
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const STATS_WAIT_MS = 180_000;

/**
 * /v1/stats once the refresher has counted some events (it runs every minute in the demo):
 * its count is above zero (the archive grows meanwhile: no upper bound to compare with).
 */
async function checkStats(origin: string, s: Status): Promise<string> {
  const deadline = Date.now() + STATS_WAIT_MS;
  for (;;) {
    const { status, body } = await getJson(`${origin}/v1/stats`);
    if (status !== 200) throw new Error(`status ${status}`);
    const counted = Number((body.events as { event_count?: number } | null)?.event_count ?? 0);
    if (counted > 0) return `event_count ${counted} (status counted ${s.events} before)`;
    if (Date.now() > deadline) throw new Error("event_count still 0 after the refresher's cycles");
    await new Promise((r) => setTimeout(r, 3000));
  }
}

/** The API a user (or their script) calls; returns how many relays it lists. */
export async function checkApi(checks: Checks, origin: string, s: Status) {
  let listed: number | undefined;
  await checks.step("API /health answers", async () => {
    const { status } = await getJson(`${origin}/health`);
    if (status !== 200) throw new Error(`status ${status}`);
    return "200";
  });
  await checks.step("API /v1/relays lists as many relays as status counts", async () => {
    // The relay table is recomputed every few seconds: the two agree within a snapshot or two.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { body } = await getJson(`${origin}/v1/relays?limit=500`);
      listed = Number(body.total);
      if (listed === relaysOf(s) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    if (!(listed > 0)) throw new Error(`total ${listed}`);
    if (listed < relaysOf(s)) throw new Error(`${listed} listed, status counts ${relaysOf(s)}`);
    return `${listed} relays`;
  });
  await checks.step("API /v1/events: recent events, none a monitor write probe", async () => {
    const { status, body } = await getJson(`${origin}/v1/events?limit=200`);
    const events = (body.events ?? body.items ?? []) as { content?: string }[];
    if (status !== 200 || events.length === 0) throw new Error(`status ${status}, no events`);
    const probes = events.filter((e) => e.content?.startsWith("NIP-66 write probe"));
    if (probes.length > 0) throw new Error(`${probes.length} write probes listed`);
    return `${events.length} events`;
  });
  await checks.step("API /v1/stats counts the archived events", () => checkStats(origin, s));
  await checks.step("API /v1/candidates answers", async () => {
    const { status } = await getJson(`${origin}/v1/candidates`);
    if (status !== 200) throw new Error(`status ${status}`);
    return "200";
  });
  return listed;
}
