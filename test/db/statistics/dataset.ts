import { createHash } from "node:crypto";
import type pg from "pg";
import type { Profile } from "../../../src/core/db/migrate.js";

/**
 * A small archive whose statistics are worked out by hand in the view tests. Plain INSERTs
 * only, so the tests depend on nothing but the schema. Event n has id `nn` × 32 bytes (so a
 * lower n is a lower id) and pubkey Pk is `ak` × 32.
 */
export const T0 = 1_704_067_200; // 2024-01-01T00:00:00Z
export const FAR_FUTURE = 1e15; // a bogus created_at: beyond year 9999, after every window
export const DAY = 86_400;

export const A = "wss://a.example";
export const B = "wss://b.example";
export const TOR = "ws://tor1.onion";
export const D = "wss://d.example";

export const RELAYS: [url: string, network: string, discoveredAt: number][] = [
  [A, "clearnet", 1000],
  [B, "clearnet", 2000],
  [TOR, "tor", 3000],
  [D, "clearnet", 4000], // no events, latest NIP-11 check failed
];

export const LONG_D = "x".repeat(2000);

export interface TestEvent {
  n: number;
  pk: 1 | 2 | 3;
  kind: number;
  at: number;
  tags?: string[][];
  relays: string[];
}

export function id(n: number): string {
  return n.toString(16).padStart(2, "0").repeat(32);
}
export function pk(k: number): string {
  return `a${k}`.repeat(32);
}

/** The events; `now` (unix seconds) places the ones used for the rolling windows. */
export function events(now: number): TestEvent[] {
  return [
    { n: 1, pk: 1, kind: 1, at: T0, relays: [A, B, TOR] },
    { n: 2, pk: 1, kind: 1, at: T0 + DAY - 1, relays: [A] },
    { n: 3, pk: 2, kind: 7, at: T0 + DAY, relays: [A, B] },
    { n: 4, pk: 1, kind: 0, at: T0 + 100, relays: [A] },
    { n: 5, pk: 1, kind: 0, at: T0 + 200, relays: [B] }, // ties with 6: lower id wins
    { n: 6, pk: 1, kind: 0, at: T0 + 200, relays: [A] },
    { n: 7, pk: 2, kind: 10002, at: T0 + 50, relays: [TOR] },
    { n: 8, pk: 2, kind: 20001, at: T0 + 10, relays: [A] },
    {
      n: 9,
      pk: 3,
      kind: 30023,
      at: T0 + 300,
      tags: [
        ["d", "post"],
        ["t", "x"],
      ],
      relays: [A],
    },
    { n: 10, pk: 3, kind: 30023, at: T0 + 400, tags: [["d", "post"]], relays: [A] },
    {
      n: 11,
      pk: 3,
      kind: 30023,
      at: T0 + 500,
      tags: [
        ["d", "zeta"],
        ["d", "alpha"],
      ],
      relays: [A],
    },
    { n: 12, pk: 3, kind: 30023, at: T0 + 600, tags: [], relays: [A] },
    { n: 13, pk: 3, kind: 30024, at: T0 + 700, tags: [["d", LONG_D]], relays: [A] },
    { n: 14, pk: 3, kind: 30025, at: T0 + 650, tags: [["d"]], relays: [A] },
    { n: 21, pk: 2, kind: 30000, at: T0 + 900, tags: [["d", "list"]], relays: [B] }, // tie: wins
    { n: 22, pk: 2, kind: 30000, at: T0 + 900, tags: [["d", "list"]], relays: [B] },
    { n: 23, pk: 2, kind: 40000, at: T0 + 1000, relays: [A] },
    { n: 31, pk: 1, kind: 1, at: now - 1800, relays: [A] }, // 1h
    { n: 32, pk: 2, kind: 1, at: now - 7200, relays: [A] }, // 24h
    { n: 33, pk: 1, kind: 1, at: now - 3 * DAY, relays: [B] }, // 7d
    { n: 34, pk: 2, kind: 1, at: now - 20 * DAY, relays: [B] }, // 30d
    { n: 35, pk: 3, kind: 1, at: now - 40 * DAY, relays: [TOR] }, // older than 30d
    { n: 36, pk: 3, kind: 1, at: FAR_FUTURE, relays: [TOR] },
  ];
}

const ok = { success: true };
const strfryGit = "git+https://github.com/hoytech/strfry.git";

type Snapshot = [url: string, type: string, generatedAt: number, document: object];

function rttSnapshots(): Snapshot[] {
  const snapshots: Snapshot[] = [];
  for (let gen = 1; gen <= 12; gen++) {
    // Only generations 3..12 are the newest ten: 1 and 2 carry values that would show.
    const data: Record<string, unknown> = { rtt_open: gen <= 2 ? 10_000 : gen * 10 };
    if (gen === 3) data.rtt_open = "n/a"; // not a number: ignored
    if (gen % 2 === 0) data.rtt_read = gen <= 2 ? 99_999 : gen * 20;
    if (gen === 11) data.rtt_write = 500;
    snapshots.push([A, "nip66_rtt", gen, { data, logs: ok }]);
  }
  snapshots.push([
    B,
    "nip66_rtt",
    5,
    { data: { rtt_open: 30, rtt_read: 40, rtt_write: 50 }, logs: ok },
  ]);
  return snapshots;
}

export function snapshots(): Snapshot[] {
  const garbageNips = [1, 11, "42", "x", 1.5, 11, -2, { a: 1 }, "007"];
  return [
    [
      A,
      "nip11_info",
      100,
      {
        data: { name: "Old A", software: "strfry", version: "0.9", supported_nips: [99] },
        logs: ok,
      },
    ],
    [
      A,
      "nip11_info",
      200,
      {
        data: {
          name: "Relay A",
          software: strfryGit,
          version: "1.0.0",
          supported_nips: garbageNips,
        },
        logs: ok,
      },
    ],
    [
      B,
      "nip11_info",
      150,
      {
        data: { name: "Relay B", software: strfryGit, supported_nips: [1, 2, "11", "12345678901"] },
        logs: ok,
      },
    ],
    [
      TOR,
      "nip11_info",
      100,
      {
        data: {
          name: "Tor relay",
          software: "nostr-rs-relay",
          version: "",
          supported_nips: "1,2,3",
        },
        logs: ok,
      },
    ],
    [D, "nip11_info", 50, { data: { software: "khatru", version: "1" }, logs: ok }],
    [D, "nip11_info", 60, { data: {}, logs: { success: false, reason: "timeout" } }],
    ...rttSnapshots(),
  ];
}

async function insertEvent(db: pg.Pool, profile: Profile, e: TestEvent): Promise<void> {
  const key = [Buffer.from(id(e.n), "hex"), Buffer.from(pk(e.pk), "hex"), e.at, e.kind];
  const tags = JSON.stringify(e.tags ?? []);
  if (profile === "lilbrotr") {
    await db.query(
      `INSERT INTO event (id, pubkey, created_at, kind, tagvalues)
       VALUES ($1, $2, $3, $4, tags_to_tagvalues($5::jsonb))`,
      [...key, tags],
    );
  } else {
    await db.query(
      `INSERT INTO event (id, pubkey, created_at, kind, tagvalues, tags, content, sig)
       VALUES ($1, $2, $3, $4, tags_to_tagvalues($5::jsonb), $5::jsonb, '', $6)`,
      [...key, tags, Buffer.alloc(64)],
    );
  }
  for (const url of e.relays) {
    await db.query(
      `INSERT INTO event_relay (event_id, relay_id, seen_at)
       VALUES ($1, (SELECT id FROM relay WHERE url = $2), $3)`,
      [key[0], url, e.n],
    );
  }
}

async function insertSnapshot(db: pg.Pool, [url, type, gen, doc]: Snapshot): Promise<void> {
  const json = JSON.stringify(doc);
  const hash = createHash("sha256").update(json).digest();
  await db.query(
    "INSERT INTO metadata (id, type, data) VALUES ($1, $2, $3::jsonb) ON CONFLICT DO NOTHING",
    [hash, type, json],
  );
  await db.query(
    `INSERT INTO relay_metadata (relay_id, metadata_id, metadata_type, generated_at)
     VALUES ((SELECT id FROM relay WHERE url = $1), $2, $3, $4)`,
    [url, hash, type, gen],
  );
}

/** Loads the whole dataset; `now` is the reference for the rolling-window events. */
export async function loadDataset(db: pg.Pool, profile: Profile, now: number): Promise<void> {
  for (const [url, network, at] of RELAYS) {
    await db.query("INSERT INTO relay (url, network, discovered_at) VALUES ($1, $2, $3)", [
      url,
      network,
      at,
    ]);
  }
  for (const e of events(now)) await insertEvent(db, profile, e);
  for (const s of snapshots()) await insertSnapshot(db, s);
}

/** Rows of a query, for exact comparisons. */
export async function rows<T = Record<string, unknown>>(
  db: Pick<pg.Pool, "query">,
  sql: string,
): Promise<T[]> {
  return (await db.query(sql)).rows as T[];
}
