import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refreshStatistics } from "../../../src/core/db/statistics/refresh.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { A, B, D, DAY, FAR_FUTURE, loadDataset, rows, snapshots, T0, TOR } from "./dataset.js";

let db: TestDatabase;
let now: number;

beforeAll(async () => {
  db = await createTestDatabase();
  now = Math.floor(Date.now() / 1000);
  await loadDataset(db.pool, "bigbrotr", now);
  const report = await refreshStatistics(db.pool);
  expect(report.complete).toBe(true);
});
afterAll(async () => {
  await db?.drop();
});

const strfryGit = "git+https://github.com/hoytech/strfry.git";

describe("relay statistics", () => {
  it("relay_metadata_latest: the newest snapshot per relay and type, with its document", async () => {
    const got = await rows<{ relay_url: string; metadata_type: string; generated_at: number }>(
      db.pool,
      "SELECT relay_url, metadata_type, generated_at FROM relay_metadata_latest",
    );
    expect(got).toHaveLength(6);
    expect(got).toEqual(
      expect.arrayContaining([
        { relay_url: A, metadata_type: "nip11_info", generated_at: 200 },
        { relay_url: A, metadata_type: "nip66_rtt", generated_at: 12 },
        { relay_url: B, metadata_type: "nip11_info", generated_at: 150 },
        { relay_url: B, metadata_type: "nip66_rtt", generated_at: 5 },
        { relay_url: TOR, metadata_type: "nip11_info", generated_at: 100 },
        { relay_url: D, metadata_type: "nip11_info", generated_at: 60 },
      ]),
    );
    const [a] = await rows<{ data: unknown }>(
      db.pool,
      `SELECT data FROM relay_metadata_latest WHERE relay_url = '${A}' AND metadata_type = 'nip11_info'`,
    );
    const newestA = snapshots().find((s) => s[0] === A && s[1] === "nip11_info" && s[2] === 200);
    expect(a?.data).toEqual(newestA?.[3]);
  });

  it("relay_stats: events, RTT over the 10 newest snapshots and NIP-11 identity", async () => {
    const got = await rows(db.pool, "SELECT * FROM relay_stats ORDER BY discovered_at");
    const none = { avg_rtt_open: null, avg_rtt_read: null, avg_rtt_write: null };
    expect(got).toEqual([
      {
        relay_url: A,
        network: "clearnet",
        discovered_at: 1000,
        event_count: 15,
        unique_pubkeys: 3,
        unique_kinds: 8,
        first_event_at: T0,
        last_event_at: now - 1800,
        avg_rtt_open: 80, // generations 4..12 (3 is not a number, 1-2 are older than 10)
        avg_rtt_read: 160, // even generations 4..12
        avg_rtt_write: 500, // only generation 11 has one
        nip11_name: "Relay A",
        nip11_software: strfryGit,
        nip11_version: "1.0.0",
      },
      {
        relay_url: B,
        network: "clearnet",
        discovered_at: 2000,
        event_count: 7,
        unique_pubkeys: 2,
        unique_kinds: 4,
        first_event_at: T0,
        last_event_at: now - 3 * DAY,
        avg_rtt_open: 30,
        avg_rtt_read: 40,
        avg_rtt_write: 50,
        nip11_name: "Relay B",
        nip11_software: strfryGit,
        nip11_version: null,
      },
      {
        relay_url: TOR,
        network: "tor",
        discovered_at: 3000,
        event_count: 4,
        unique_pubkeys: 3,
        unique_kinds: 2,
        first_event_at: T0,
        last_event_at: FAR_FUTURE,
        ...none,
        nip11_name: "Tor relay",
        nip11_software: "nostr-rs-relay",
        nip11_version: null, // "" in the document
      },
      {
        relay_url: D,
        network: "clearnet",
        discovered_at: 4000,
        event_count: 0,
        unique_pubkeys: 0,
        unique_kinds: 0,
        first_event_at: null,
        last_event_at: null,
        ...none,
        nip11_name: null, // the newest NIP-11 check failed
        nip11_software: null,
        nip11_version: null,
      },
    ]);
  });

  it("relay_software_counts: newest NIP-11 only, missing or empty version is 'unknown'", async () => {
    expect(
      await rows(db.pool, "SELECT * FROM relay_software_counts ORDER BY software, version"),
    ).toEqual([
      { software: strfryGit, version: "1.0.0", relay_count: 1 },
      { software: strfryGit, version: "unknown", relay_count: 1 },
      { software: "nostr-rs-relay", version: "unknown", relay_count: 1 },
    ]);
  });

  it("supported_nip_counts: integer entries only, a NIP listed twice counts once", async () => {
    // A: [1, 11, "42", "x", 1.5, 11, -2, {a:1}, "007"]; B: [1, 2, "11", "12345678901"];
    // TOR: "1,2,3" (not an array); A's older document listed 99.
    expect(await rows(db.pool, "SELECT * FROM supported_nip_counts ORDER BY nip")).toEqual([
      { nip: 1, relay_count: 2 },
      { nip: 2, relay_count: 1 },
      { nip: 7, relay_count: 1 },
      { nip: 11, relay_count: 2 },
      { nip: 42, relay_count: 1 },
    ]);
  });
});
