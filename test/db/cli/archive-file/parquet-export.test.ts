/**
 * The Parquet export read back by an independent reader (@dsnp/parquetjs, not the library
 * that wrote it) and compared row by row with the database: events with their tags and
 * content, sightings, relays, the check history; day partitions; resume after a stop.
 */
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import parquetjs from "@dsnp/parquetjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportParquet } from "../../../../src/cli/archive-file/parquet-export.js";
import { archiveEvents } from "../../../../src/core/db/archive.js";
import { recordRelayMetadata } from "../../../../src/core/db/relay-metadata.js";
import type { NostrEvent } from "../../../../src/models/event-types.js";
import { createTestDatabase, type TestDatabase } from "../../../support/pg.js";
import { fakeEvent, TRICKY } from "../../core/helpers.js";

const A = "wss://a.example.com";
const B = "wss://b.example.com";
const DAY = 86_400;
const T0 = 1_700_006_400; // 2023-11-15T00:00:00Z

type Row = Record<string, unknown>;

/** Every row of every file under `path` (a file or a folder of day=… partitions). */
async function readRows(path: string): Promise<Row[]> {
  const files = path.endsWith(".parquet")
    ? [path]
    : (await readdir(path, { recursive: true }))
        .filter((f) => f.endsWith(".parquet"))
        .map((f) => join(path, f));
  const rows: Row[] = [];
  for (const file of files.sort()) {
    const reader = await parquetjs.ParquetReader.openFile(file);
    const cursor = reader.getCursor();
    for (let r = await cursor.next(); r; r = await cursor.next()) rows.push(r as Row);
    await reader.close();
  }
  return rows;
}

const num = (v: unknown) => Number(v);

describe("exportParquet", () => {
  let db: TestDatabase;
  let dir: string;
  // Three days of events, tricky content (unicode, quotes, long tags) among them.
  const events: NostrEvent[] = [
    ...Array.from({ length: 30 }, (_, i) =>
      fakeEvent(`pq-${i}`, { created_at: T0 + (i % 3) * DAY + i * 60 }),
    ),
    ...TRICKY.map((t, i) => fakeEvent(`pq-tricky-${i}`, { ...t, created_at: T0 + DAY + i })),
  ];

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), "bigbrotr-parquet-"));
    await archiveEvents(
      db.pool,
      events.flatMap((event, i) => [
        { event, relayUrl: A, network: "clearnet" as const, seenAt: T0 + 10 },
        ...(i % 2 ? [{ event, relayUrl: B, network: "clearnet" as const, seenAt: T0 + 20 }] : []),
      ]),
      { profile: "bigbrotr" },
    );
    const relay = { url: A, network: "clearnet" as const, discoveredAt: T0 };
    await recordRelayMetadata(db.pool, [
      { relay, type: "nip66_rtt", data: { rtt_open: 12 }, generatedAt: T0 + 100 },
      { relay, type: "nip11_info", data: { name: 'ä "relay"' }, generatedAt: T0 + 100 },
      { relay, type: "nip66_rtt", data: { rtt_open: 15 }, generatedAt: T0 + 700 },
    ]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await db.drop();
  });

  it("writes every event, sighting, relay and check, partitioned by day, equal to the database", async () => {
    const out = join(dir, "full");
    const result = await exportParquet(db.pool, {}, out, {
      profile: "bigbrotr",
      pageSize: 7,
      rowGroupRows: 5,
    });
    expect(result).toMatchObject({
      complete: true,
      events: events.length,
      days: 3,
      relays: 2,
      checks: 3,
    });

    expect((await readdir(join(out, "events"))).sort()).toEqual([
      "day=2023-11-15",
      "day=2023-11-16",
      "day=2023-11-17",
    ]);
    const got = await readRows(join(out, "events"));
    const byId = new Map(got.map((r) => [r.id, r]));
    expect(byId.size).toBe(events.length);
    for (const e of events) {
      const r = byId.get(e.id) as Row;
      expect({ ...r, created_at: num(r.created_at), tags: JSON.parse(String(r.tags)) }).toEqual({
        id: e.id,
        pubkey: e.pubkey,
        created_at: e.created_at,
        kind: e.kind,
        tags: e.tags,
        content: e.content,
        sig: e.sig,
      });
    }
    // Each event in its own UTC day's file.
    for (const day of ["2023-11-15", "2023-11-16", "2023-11-17"]) {
      const rows = await readRows(join(out, "events", `day=${day}`));
      expect(
        rows.every((r) => new Date(num(r.created_at) * 1000).toISOString().startsWith(day)),
      ).toBe(true);
    }

    const { rows: sightings } = await db.pool.query(
      `SELECT encode(er.event_id, 'hex') AS event_id, r.url AS relay_url, er.seen_at::int AS seen_at
       FROM event_relay er JOIN relay r ON r.id = er.relay_id`,
    );
    const key = (r: Row) => `${r.event_id} ${r.relay_url} ${num(r.seen_at)}`;
    const exported = (await readRows(join(out, "sightings"))).map(key).sort();
    expect(exported).toEqual(sightings.map(key).sort());
    expect(exported).toHaveLength(events.length + Math.floor(events.length / 2));

    const relays = await readRows(join(out, "relays.parquet"));
    expect(relays.map((r) => [r.url, r.network])).toEqual([
      [A, "clearnet"],
      [B, "clearnet"],
    ]);
    const checks = await readRows(join(out, "checks.parquet"));
    expect(
      checks.map((c) => [c.relay_url, c.type, num(c.generated_at), JSON.parse(String(c.data))]),
    ).toEqual([
      [A, "nip11_info", T0 + 100, { name: 'ä "relay"' }],
      [A, "nip66_rtt", T0 + 100, { rtt_open: 12 }],
      [A, "nip66_rtt", T0 + 700, { rtt_open: 15 }],
    ]);
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ complete: true, last_complete_day: "2023-11-17" });
  });

  it("resumes after the last whole day when stopped, and refuses a folder of another export", async () => {
    const out = join(dir, "resumed");
    const stop = new AbortController();
    const first = await exportParquet(db.pool, {}, out, {
      profile: "bigbrotr",
      pageSize: 4,
      // Stopped once the second day has started: the first is whole, the second is not kept.
      onProgress: (n) => (n > 15 ? stop.abort() : undefined),
      signal: stop.signal,
    });
    expect(first.complete).toBe(false);
    expect(first.days).toBeGreaterThanOrEqual(1);
    const partial = (await readdir(out, { recursive: true })).filter((f) => f.endsWith(".partial"));
    expect(partial).toEqual([]);

    const firstDay = join(out, "events", "day=2023-11-15", "part-0.parquet");
    const before = (await stat(firstDay)).mtimeMs;
    const second = await exportParquet(db.pool, {}, out, { profile: "bigbrotr", pageSize: 4 });
    // The whole day was not read or written again.
    expect((await stat(firstDay)).mtimeMs).toBe(before);
    expect(second.events).toBe(events.filter((e) => e.created_at >= T0 + DAY).length);
    expect(second.complete).toBe(true);
    expect(second.resumedAfter).toBe("2023-11-15");
    const ids = (await readRows(join(out, "events"))).map((r) => r.id).sort();
    expect(ids).toEqual(events.map((e) => e.id).sort());

    await expect(
      exportParquet(db.pool, { kinds: [1] }, out, { profile: "bigbrotr" }),
    ).rejects.toThrow(/holds another export/);
  });

  it("exports a lilbrotr archive with what it keeps: tags, content and sig null", async () => {
    const lil = await createTestDatabase({ profile: "lilbrotr" });
    try {
      const some = events.slice(0, 5);
      await archiveEvents(
        lil.pool,
        some.map((event) => ({ event, relayUrl: A, network: "clearnet" as const, seenAt: T0 })),
        { profile: "lilbrotr" },
      );
      const out = join(dir, "lil");
      const result = await exportParquet(lil.pool, {}, out, { profile: "lilbrotr" });
      expect(result).toMatchObject({ complete: true, events: 5, sightings: 5 });
      const rows = await readRows(join(out, "events"));
      expect(rows.map((r) => r.id).sort()).toEqual(some.map((e) => e.id).sort());
      expect(rows.every((r) => r.tags == null && r.content == null && r.sig == null)).toBe(true);
      const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
      expect(manifest.profile).toBe("lilbrotr");
    } finally {
      await lil.drop();
    }
  });
});
