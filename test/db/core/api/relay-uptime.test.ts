import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRelaySummaries } from "../../../../src/core/db/read/relay-summary.js";
import {
  type RelayCheck,
  recordRelayMetadata,
  thinRelayMetadata,
} from "../../../../src/core/db/relay-metadata.js";
import { createTestDatabase, type TestDatabase } from "../../../support/pg.js";
import { seeded } from "../../../support/random-archive.js";
import { relayUptimeMismatches } from "../../../support/uptime-recount.js";

// The uptime rollup (migration 000012) against a recount of the raw checks after every kind of
// change, and the API's uptime windows against the query it replaced, at many clocks.

const DAY = 86_400;
const NOW = 1_700_006_400; // a whole hour (…:00:00 UTC)
const URLS = ["wss://u1.example", "wss://u2.example", "wss://u3.example", "wss://u4.example"];

function rttCheck(url: string, generatedAt: number, up: boolean): RelayCheck {
  const relay = { url, network: "clearnet" as const, discoveredAt: 1_600_000_000 };
  const data = up
    ? { data: { rtt_open: 40 + (generatedAt % 17) }, logs: { open_success: true } }
    : { data: {}, logs: { open_success: false, open_reason: "refused" } };
  return { relay, type: "nip66_rtt", data, generatedAt };
}

/** Checks at irregular times over 33 days before NOW and a few after, up at random. */
function history(seed: number): RelayCheck[] {
  const next = seeded(seed);
  const out: RelayCheck[] = [];
  for (const url of URLS) {
    let t = NOW - 33 * DAY + Math.floor(next() * 3600);
    while (t < NOW + 7200) {
      out.push(rttCheck(url, t, next() < 0.7));
      // Also a NIP-11 check now and then: other types never count.
      if (next() < 0.1) {
        out.push({ ...rttCheck(url, t, true), type: "nip11_info", data: { data: { name: "x" } } });
      }
      t += 600 + Math.floor(next() * 5400);
    }
  }
  return out;
}

/** Shuffled (late and out-of-order checks), written in batches of `size`. */
async function writeShuffled(db: TestDatabase, checks: RelayCheck[], seed: number, size: number) {
  const next = seeded(seed);
  const order = checks.map((c) => ({ c, k: next() })).sort((a, b) => a.k - b.k);
  for (let i = 0; i < order.length; i += size) {
    await recordRelayMetadata(
      db.pool,
      order.slice(i, i + size).map((o) => o.c),
    );
  }
}

// The query readRelaySummaries used before the rollup: every check of 30 days.
const OLD = `
  SELECT r.url, u.* FROM relay r
  LEFT JOIN LATERAL (
    SELECT
      count(*) FILTER (WHERE w.generated_at >= $1 - 86400)::int AS checks_24h,
      count(*) FILTER (WHERE w.generated_at >= $1 - 86400 AND w.up)::int AS up_24h,
      count(*) FILTER (WHERE w.generated_at >= $1 - 604800)::int AS checks_7d,
      count(*) FILTER (WHERE w.generated_at >= $1 - 604800 AND w.up)::int AS up_7d,
      count(*)::int AS checks_30d,
      count(*) FILTER (WHERE w.up)::int AS up_30d
    FROM (
      SELECT rm.generated_at, relay_up(m.data) AS up
      FROM relay_metadata rm
      JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type
      WHERE rm.relay_id = r.id AND rm.metadata_type = 'nip66_rtt'
        AND rm.generated_at >= $1 - 2592000 AND rm.generated_at <= $1
    ) w
  ) u ON true
  ORDER BY r.url COLLATE "C"`;

interface OldRow {
  url: string;
  checks_24h: number;
  up_24h: number;
  checks_7d: number;
  up_7d: number;
  checks_30d: number;
  up_30d: number;
}

const ratio = (up: number, checks: number) => (checks > 0 ? up / checks : null);

async function oldUptime(db: TestDatabase, now: number) {
  const { rows } = await db.pool.query<OldRow>(OLD, [now]);
  return rows.map((r) => ({
    url: r.url,
    uptime: {
      "24h": ratio(r.up_24h, r.checks_24h),
      "7d": ratio(r.up_7d, r.checks_7d),
      "30d": ratio(r.up_30d, r.checks_30d),
    },
  }));
}

async function newUptime(db: TestDatabase, now: number) {
  const relays = await readRelaySummaries(db.pool, now);
  return relays.map((r) => ({ url: r.url, uptime: r.uptime }));
}

/** Clocks that put every edge somewhere interesting: on, before and after checks and hours. */
async function clocks(db: TestDatabase): Promise<number[]> {
  const { rows } = await db.pool.query<{ t: number }>(
    `SELECT generated_at AS t FROM relay_metadata
     WHERE metadata_type = 'nip66_rtt' AND generated_at > $1 - 3600 AND generated_at < $1 + 3600
     ORDER BY generated_at LIMIT 3`,
    [NOW],
  );
  const at = rows.map((r) => r.t);
  const onEdge = at.flatMap((t) => [t, t - 1, t + 1, t + DAY, t + 7 * DAY, t + 30 * DAY]);
  return [NOW, NOW + 1, NOW - 1, NOW + 1799, NOW + 3599, NOW - 3 * DAY + 123, ...onEdge];
}

async function expectSameAsOld(db: TestDatabase): Promise<void> {
  for (const now of await clocks(db)) {
    expect(await newUptime(db, now), `now = ${now}`).toEqual(await oldUptime(db, now));
  }
}

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
}, 60_000);
afterAll(async () => {
  await db.drop();
});

describe("the uptime rollup (relay_uptime)", () => {
  it("equals a recount after inserts in order, late and out of order, and repeated", async () => {
    const checks = history(1);
    await writeShuffled(db, checks, 2, 97);
    expect(await relayUptimeMismatches(db.pool)).toBe(0);
    // The same checks again change nothing (first row of each key wins).
    await writeShuffled(db, checks.slice(0, 300), 3, 50);
    expect(await relayUptimeMismatches(db.pool)).toBe(0);
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM relay_uptime");
    expect(rows[0].n).toBeGreaterThan(URLS.length * 30);
  });

  it("gives the API the uptime windows of the query it replaced, at every clock", async () => {
    await expectSameAsOld(db);
    const [one] = await readRelaySummaries(db.pool, NOW, URLS[1]);
    const old = (await oldUptime(db, NOW)).find((r) => r.url === URLS[1]);
    expect(one?.uptime).toEqual(old?.uptime);
  });

  it("equals a recount after retention downsamples and then drops old history", async () => {
    const downsampled = await thinRelayMetadata(db.pool, {
      policy: "downsample",
      from: 0,
      before: NOW - 20 * DAY,
      batchSize: 200,
    });
    expect(downsampled).toBeGreaterThan(0);
    expect(await relayUptimeMismatches(db.pool)).toBe(0);
    await expectSameAsOld(db);
    const dropped = await thinRelayMetadata(db.pool, {
      policy: "drop",
      from: 0,
      before: NOW - 25 * DAY,
      batchSize: 50,
    });
    expect(dropped).toBeGreaterThan(0);
    expect(await relayUptimeMismatches(db.pool)).toBe(0);
    await expectSameAsOld(db);
  });

  it("equals a recount after a document and a relay are deleted with their history", async () => {
    await db.pool.query(
      `DELETE FROM metadata WHERE (id, type) IN (SELECT metadata_id, metadata_type
         FROM relay_metadata WHERE metadata_type = 'nip66_rtt' ORDER BY generated_at DESC LIMIT 5)`,
    );
    expect(await relayUptimeMismatches(db.pool)).toBe(0);
    await db.pool.query("DELETE FROM relay WHERE url = $1", [URLS[0]]);
    expect(await relayUptimeMismatches(db.pool)).toBe(0);
    await expectSameAsOld(db);
  });

  it("equals a recount after writers and retention run at the same time on the same days", async () => {
    const checks = history(4).filter((c) => c.relay.url !== URLS[0]);
    const next = seeded(5);
    const parts: RelayCheck[][] = [[], [], [], []];
    for (const c of checks) parts[Math.floor(next() * parts.length)]?.push(c);
    const writers = parts.map((part, i) => writeShuffled(db, part, 10 + i, 40 + i * 13));
    const thinning = (async () => {
      for (let i = 0; i < 20; i++) {
        await thinRelayMetadata(db.pool, {
          policy: "downsample",
          from: 0,
          before: NOW - 26 * DAY,
          batchSize: 25,
        });
      }
    })();
    await Promise.all([...writers, thinning]);
    expect(await relayUptimeMismatches(db.pool)).toBe(0);
    await expectSameAsOld(db);
  });

  it("counts a check committed while a delete of its day waits for the day's row", async () => {
    const url = URLS[2] as string;
    const day = Math.floor((NOW - 2 * DAY) / DAY) * DAY;
    await recordRelayMetadata(db.pool, [
      rttCheck(url, day + 100, true),
      rttCheck(url, day + 200, false),
    ]);
    const writer = await db.pool.connect();
    const deleter = await db.pool.connect();
    try {
      // The writer's check is in, its trigger holds the day's row, not committed yet.
      await writer.query("BEGIN");
      await recordRelayMetadata(writer, [rttCheck(url, day + 300, true)]);
      const { rows } = await deleter.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      const deleting = deleter.query(
        `DELETE FROM relay_metadata WHERE relay_id = (SELECT id FROM relay WHERE url = $1)
           AND generated_at = $2 AND metadata_type = 'nip66_rtt'`,
        [url, day + 100],
      );
      // Wait until the delete's trigger waits for the row lock, then commit the check.
      for (;;) {
        const w = await db.pool.query(
          "SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1",
          [rows[0]?.pid],
        );
        if (w.rows[0]?.wait_event_type === "Lock") break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await writer.query("COMMIT");
      await deleting;
    } finally {
      writer.release();
      deleter.release();
    }
    expect(await relayUptimeMismatches(db.pool)).toBe(0);
  });

  it("follows an update of the history and a truncate", async () => {
    await db.pool.query(
      `UPDATE relay_metadata SET generated_at = generated_at - 5 * 86400
       WHERE metadata_type = 'nip66_rtt' AND generated_at > $1 - 86400`,
      [NOW],
    );
    expect(await relayUptimeMismatches(db.pool)).toBe(0);
    await db.pool.query("TRUNCATE relay_metadata");
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM relay_uptime");
    expect(rows[0].n).toBe(0);
  });
});
