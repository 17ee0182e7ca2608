/**
 * Test data for the API and explorer: relays with the monitor's history (documents of the
 * shape in the monitor contract: nip66_rtt every run, nip11_info / nip66_geo / nip66_net /
 * nip66_ssl when the relay answered) written with recordRelayMetadata, and signed events
 * archived with archiveEvents. One place, so it can be switched to real monitor runs later.
 */
import type pg from "pg";
import { type ArchiveItem, archiveEvents } from "../../src/core/db/archive.js";
import type { Profile } from "../../src/core/db/migrate.js";
import type { RelayCheck } from "../../src/core/db/relay-metadata.js";
import { recordRelayMetadata } from "../../src/core/db/relay-metadata.js";
import { insertRelays } from "../../src/core/db/relays.js";
import { refreshStatistics as refreshSummaries } from "../../src/core/db/statistics/refresh.js";
import type { NostrEvent } from "../../src/models/event-types.js";
import type { Network } from "../../src/models/network.js";
import { type EventTemplate, makeUser } from "./fake-user.js";

export interface RelayHistorySpec {
  url: string;
  network?: Network;
  /** Whether the run at unix time `t` (run index `i`) found the relay up (default always). */
  up?: (t: number, i: number) => boolean;
  /** RTTs in ms when up; `write` absent = writes refused (default 50/60/70). */
  rtt?: (t: number, i: number) => { open: number; read?: number; write?: number };
  /** Why the open failed when down (default "connection refused"). */
  downReason?: string;
  nip11?: Record<string, unknown>;
  geo?: Record<string, unknown>;
  net?: Record<string, unknown>;
  /** Logs of the RTT check when up (policy, auth). */
  rttLogs?: Record<string, unknown>;
  /** Runs at or after this time only (a relay checked only long ago: set `lastRunAt`). */
  lastRunAt?: number;
}

export interface RunsSpec {
  /** Unix time of the last run. */
  end: number;
  /** Seconds between runs. */
  every: number;
  count: number;
}

function checksAt(spec: RelayHistorySpec, t: number, i: number): RelayCheck[] {
  const relay = { url: spec.url, network: spec.network ?? "clearnet", discoveredAt: 1_600_000_000 };
  const up = spec.up ? spec.up(t, i) : true;
  const check = (type: RelayCheck["type"], data: unknown): RelayCheck => ({
    relay,
    type,
    data,
    generatedAt: t,
  });
  if (!up) {
    return [
      check("nip66_rtt", {
        data: {},
        logs: { open_success: false, open_reason: spec.downReason ?? "connection refused" },
      }),
    ];
  }
  const rtt = spec.rtt ? spec.rtt(t, i) : { open: 50, read: 60, write: 70 };
  const data: Record<string, number> = { rtt_open: rtt.open };
  if (rtt.read !== undefined) data.rtt_read = rtt.read;
  if (rtt.write !== undefined) data.rtt_write = rtt.write;
  const logs = {
    open_success: true,
    read_success: rtt.read !== undefined,
    write_success: rtt.write !== undefined,
    ...(rtt.write === undefined
      ? { write_reason: "blocked: writes restricted", write_policy: "restricted" }
      : {}),
    ...spec.rttLogs,
  };
  const out = [check("nip66_rtt", { data, logs })];
  if (spec.nip11) out.push(check("nip11_info", { data: spec.nip11, logs: { success: true } }));
  if (spec.geo) out.push(check("nip66_geo", { data: spec.geo, logs: { success: true } }));
  if (spec.net) out.push(check("nip66_net", { data: spec.net, logs: { success: true } }));
  return out;
}

/** Writes `runs` monitor runs over `relays` (every relay checked each run). */
export async function recordMonitorRuns(
  pool: pg.Pool,
  relays: readonly RelayHistorySpec[],
  runs: RunsSpec,
): Promise<number> {
  let written = 0;
  let batch: RelayCheck[] = [];
  for (let i = 0; i < runs.count; i++) {
    const t = runs.end - (runs.count - 1 - i) * runs.every;
    for (const spec of relays) {
      if (spec.lastRunAt !== undefined && t > spec.lastRunAt) continue;
      batch.push(...checksAt(spec, t, i));
    }
    if (batch.length >= 2000) {
      written += (await recordRelayMetadata(pool, batch)).relayMetadata;
      batch = [];
    }
  }
  if (batch.length > 0) written += (await recordRelayMetadata(pool, batch)).relayMetadata;
  return written;
}

/** Relays known to the archive but never checked. */
export async function addUncheckedRelays(pool: pg.Pool, urls: readonly string[]): Promise<void> {
  await insertRelays(
    pool,
    urls.map((url) => ({ url, network: "clearnet" as const, discoveredAt: 1_600_000_000 })),
  );
}

export interface EventSpec extends Partial<EventTemplate> {
  /** Seed of the signing user. */
  author: string;
  /** Relays it was seen on. */
  relays: readonly string[];
}

/** Signs and archives events, each seen on its relays; returns them. */
export async function archiveSignedEvents(
  pool: pg.Pool,
  specs: readonly EventSpec[],
  options: { network?: Network; profile?: Profile } = {},
): Promise<NostrEvent[]> {
  const network = options.network ?? "clearnet";
  const events: NostrEvent[] = [];
  const items: ArchiveItem[] = [];
  for (const [i, s] of specs.entries()) {
    const user = await makeUser(s.author);
    const event = user.sign({
      kind: s.kind ?? 1,
      created_at: s.created_at ?? 1_700_000_000 + i,
      tags: s.tags ?? [],
      content: s.content ?? `note ${i}`,
    });
    events.push(event);
    for (const relayUrl of s.relays) {
      items.push({ event, relayUrl, network, seenAt: event.created_at + 1 });
    }
  }
  await archiveEvents(pool, items, { profile: options.profile ?? "bigbrotr" });
  return events;
}

/** Brings the statistics up to date (what a refresher cycle does). */
export async function refreshStatistics(pool: pg.Pool): Promise<void> {
  const report = await refreshSummaries(pool);
  if (!report.complete) throw new Error("the statistics cycle did not complete");
}
