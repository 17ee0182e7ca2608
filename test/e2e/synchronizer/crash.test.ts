/**
 * Crash safety at process level: `bigbrotr synchronizer --once` is SIGKILLed mid-sync, then
 * run again; the archive ends exactly equal to the relays' sets, and the restart fetches again
 * only what the killed process had not committed a cursor for: at most one batch of it was
 * already stored, even with the kill in the middle of a window.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertRelays } from "../../../src/core/db/relays.js";
import { generateEvents } from "../../../src/devnet/event-factory.js";
import { type FakeRelay, startFakeRelay } from "../../../src/devnet/fake-relay.js";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { logLines } from "../../support/service-process.js";
import { archivedOn, collectOutput, startSynchronizer } from "./helpers.js";

const BATCH = 200;

let root: string;
let db: TestDatabase;
let events: NostrEvent[];
const relays: FakeRelay[] = [];
const sets: NostrEvent[][] = [];

const ids = (list: readonly NostrEvent[]) => [...new Set(list.map((e) => e.id))].sort();

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(sql, params);
  return rows[0]?.n ?? 0;
}

interface StoredCursor {
  until: number;
  chunk: number;
  open?: { since: number; until: number; low: number; high: number };
}

async function cursorOf(url: string): Promise<StoredCursor | undefined> {
  const { rows } = await db.pool.query(
    `SELECT state_value FROM service_state
     WHERE service_name = 'synchronizer' AND state_type = 'cursor' AND state_key = $1`,
    [url],
  );
  return rows[0]?.state_value;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "bigbrotr-crash-"));
  await mkdir(join(root, "services"), { recursive: true });
  await writeFile(
    join(root, "brotr.yaml"),
    "allow_private: true\nnetworks: { clearnet: { timeout: 10, max_tasks: 4 } }\nlog: { format: json }\n",
  );
  await writeFile(
    join(root, "services", "synchronizer.yaml"),
    [
      "processing:",
      "  require_readable: false",
      "  end_lag: 0",
      "  lookback: 0",
      `  batch_size: ${BATCH}`,
      "  flush_ms: 50",
      "  limit: 100",
      "",
    ].join("\n"),
  );
  db = await createTestDatabase({ poolSize: 4 });
  const now = Math.floor(Date.now() / 1000);
  events = await generateEvents({
    count: 20_000,
    seed: 4242,
    startTime: now - 10 * 86_400,
    spanSeconds: 9 * 86_400,
    users: 200,
  });
  // Two relays, overlapping in the middle: 12,000 each, 4,000 on both.
  sets.push(events.slice(0, 12_000), events.slice(8_000));
  for (const set of sets) {
    relays.push(await startFakeRelay({ events: set, maxLimit: 100, latencyMs: 15 }));
  }
  await insertRelays(
    db.pool,
    relays.map((r) => ({ url: r.url, network: "clearnet" as const, discoveredAt: 1 })),
  );
}, 300_000);

afterAll(async () => {
  await Promise.all(relays.map((r) => r.close()));
  await db?.drop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("synchronizer crash safety (process level)", () => {
  it("SIGKILL mid-sync, then a restart: exactly the relays' sets, no duplicates, cursors at the end, little fetched twice", async () => {
    const servicePath = join(root, "services", "synchronizer.yaml");
    const total = ids(events).length;

    // First run: killed once part, but not all, of the archive is written.
    const child = startSynchronizer(root, servicePath, db.url);
    const first = collectOutput(child);
    let killedAt = 0;
    for (;;) {
      const n = await count("SELECT count(*)::int AS n FROM event");
      if (n >= 3000 && n < total) {
        child.kill("SIGKILL");
        killedAt = n;
        break;
      }
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const killed = await first;
    expect(killed.signal, killed.stderr).toBe("SIGKILL");
    expect(killedAt).toBeGreaterThan(0);
    const afterKill = await count("SELECT count(*)::int AS n FROM event");
    expect(afterKill).toBeLessThan(total);

    // What the killed process left: per relay, its committed cursor (with the part of the
    // window in flight still to walk) and the events the restart has to fetch.
    const left = [];
    for (const [i, r] of relays.entries()) {
      const cursor = await cursorOf(r.url);
      const until = cursor?.until ?? -1;
      const open = cursor?.open;
      const stored = new Set(await archivedOn(db.pool, r.url));
      const set = sets[i] ?? [];
      const toWalk = (t: number) =>
        open ? (t >= open.low && t <= open.high) || t > open.until : t > until;
      // The cursor never runs ahead of the data: all it says is fetched is stored.
      const done = set.filter((e) => !toWalk(e.created_at));
      expect(done.filter((e) => !stored.has(e.id)).map((e) => e.id)).toEqual([]);
      const rest = set.filter((e) => toWalk(e.created_at));
      const storedRest = rest.filter((e) => stored.has(e.id)).length;
      left.push({ url: r.url, until, open, rest: rest.length, storedRest });
    }
    // The kill came in the middle of a window (the first one holds most of each archive):
    // its progress was committed page by page.
    expect(left.some((l) => l.open !== undefined)).toBe(true);

    // The killed process's leases would run out within their short TTL (90 s, renewed only
    // while it lived), not after a whole relay sync's budget (timeouts.relay is 3600 s here).
    const ttlLeft = await count(
      `SELECT max(expires_at - extract(epoch FROM now())::bigint)::int AS n FROM lease
       WHERE service = 'synchronizer'`,
    );
    expect(ttlLeft).toBeGreaterThan(0);
    expect(ttlLeft).toBeLessThanOrEqual(90);

    // A restart right away on the same host takes them back at once (their holder's pid is
    // gone) and completes.
    const reqsBefore = relays.map(
      (r) => r.received.filter((m) => Array.isArray(m) && m[0] === "REQ").length,
    );
    const startedAt = Math.floor(Date.now() / 1000);
    const second = await collectOutput(startSynchronizer(root, servicePath, db.url));
    const endedAt = Math.floor(Date.now() / 1000);
    expect(second.code, second.stderr).toBe(0);
    expect(logLines(second.stdout, "cycle_completed")[0]).toMatchObject({
      relays: 2,
      leased_elsewhere: 0,
      synced: 2,
    });
    const synced = logLines(second.stdout, "relay_synced");
    expect(synced.map((l) => l.relay).sort()).toEqual(relays.map((r) => r.url).sort());

    for (const [i, r] of relays.entries()) {
      const set = sets[i] ?? [];
      expect(await archivedOn(db.pool, r.url)).toEqual(ids(set));
      // One sighting per event and relay.
      const sightings = await count(
        `SELECT count(*)::int AS n FROM event_relay er JOIN relay x ON x.id = er.relay_id
         WHERE x.url = $1`,
        [r.url],
      );
      expect(sightings).toBe(set.length);
      const cursor = await cursorOf(r.url);
      expect(cursor?.until).toBeGreaterThanOrEqual(startedAt);
      expect(cursor?.until).toBeLessThanOrEqual(endedAt);
      // The restart fetched exactly what the cursor left to walk (lookback 0), and of that
      // the killed process had stored at most one batch: progress is committed with every
      // batch, not only when a window ends.
      const l = left[i];
      const log = synced.find((x) => x.relay === r.url);
      expect(log?.events).toBe(l?.rest);
      expect(l?.storedRest ?? 0).toBeLessThanOrEqual(BATCH);
      const reqs = r.received.filter((m) => Array.isArray(m) && m[0] === "REQ").length;
      // The second run walked the rest page by page (the relays clamp at 100).
      expect(reqs - (reqsBefore[i] ?? 0)).toBeGreaterThanOrEqual((l?.rest ?? 0) / 100);
    }
    expect(await count("SELECT count(*)::int AS n FROM event")).toBe(total);
    expect(await count("SELECT count(*)::int AS n FROM event_relay")).toBe(
      (sets[0]?.length ?? 0) + (sets[1]?.length ?? 0),
    );
  });
});
