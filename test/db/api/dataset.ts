import type pg from "pg";
import {
  addUncheckedRelays,
  archiveSignedEvents,
  type RelayHistorySpec,
  recordMonitorRuns,
  refreshStatistics,
} from "../../support/network-history.js";

/** The API tests' clock: the last monitor run was 10 minutes before it. */
export const NOW = 1_790_000_000;
const HOUR = 3600;

export const A = "wss://alpha.example";
export const B = "wss://beta.example";
export const C = "wss://gamma.example";
export const D = "ws://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion";
export const E = "wss://never.example";
export const F = "wss://stale.example";

const strfry = { software: "git+https://github.com/hoytech/strfry.git", version: "1.0.4" };

export const RELAYS: RelayHistorySpec[] = [
  {
    url: A,
    rtt: (_t, i) => ({ open: 40 + (i % 3) * 5, read: 60, write: 70 }),
    nip11: {
      name: "Alpha relay",
      ...strfry,
      supported_nips: [1, 11, 42, 50],
      limitation: { auth_required: false, payment_required: false },
    },
    geo: {
      geo_country: "DE",
      geo_country_name: "Germany",
      geo_lat: 50.11,
      geo_lon: 8.68,
      geo_city: "Frankfurt",
    },
    net: { net_asn: 24940, net_asn_org: "Hetzner Online GmbH", net_ip: "203.0.113.5" },
    rttLogs: { auth: "none" },
  },
  {
    // Up every other run; never writable.
    url: B,
    up: (_t, i) => i % 2 === 1,
    rtt: () => ({ open: 200, read: 250 }),
    nip11: {
      name: "Beta",
      software: "nostr-rs-relay",
      version: "0.9.0",
      supported_nips: [1, 11, "50", "x", 11],
      limitation: { payment_required: true },
    },
    geo: { geo_country: "US", geo_lat: 37.77, geo_lon: -122.42 },
    net: { net_asn: 13335, net_asn_org: "Cloudflare" },
  },
  {
    // Up for the first 29 days, down since.
    url: C,
    up: (t) => t < NOW - 24 * HOUR,
    rtt: () => ({ open: 120, read: 130, write: 140 }),
    downReason: "timeout after 10s",
    nip11: {
      name: "Gamma",
      software: "khatru",
      supported_nips: [1, 42],
      limitation: { auth_required: true },
    },
    geo: { geo_country: "US", geo_lat: 40.71, geo_lon: -74.0 },
    net: { net_asn: 16509, net_asn_org: "Amazon" },
  },
  {
    url: D,
    network: "tor",
    rtt: () => ({ open: 80, read: 90, write: 95 }),
    nip11: { name: "Onion", software: "strfry", supported_nips: [1] },
  },
  {
    // Last checked three days ago: neither up nor down now.
    url: F,
    lastRunAt: NOW - 3 * 86_400,
    nip11: { name: "Stale", supported_nips: [1] },
  },
];

/** 30 days of hourly monitor runs over RELAYS, an unchecked relay, and events on A and B. */
export async function fillApiDatabase(pool: pg.Pool): Promise<{ eventIds: string[] }> {
  await recordMonitorRuns(pool, RELAYS, { end: NOW - 600, every: HOUR, count: 720 });
  await addUncheckedRelays(pool, [E]);
  const specs = Array.from({ length: 30 }, (_, i) => ({
    author: i % 3 === 0 ? "carol" : "dave",
    kind: i % 5 === 0 ? 7 : 1,
    created_at: NOW - 100_000 + i * 100,
    tags: [
      ["t", i % 2 === 0 ? "nostr" : "bitcoin"],
      ["e", "ab".repeat(32)],
    ],
    relays: i % 4 === 0 ? [A, B] : [A],
  }));
  const events = await archiveSignedEvents(pool, specs);
  await refreshStatistics(pool);
  return { eventIds: events.map((e) => e.id) };
}
