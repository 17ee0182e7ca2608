import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import type pg from "pg";
import type { Profile } from "../../../../src/core/db/migrate.js";
import { createDbOutage } from "../../../../src/core/db-outage.js";
import { createLogger } from "../../../../src/core/logger.js";
import {
  createRegistry,
  createServiceMetrics,
  type Registry,
} from "../../../../src/core/metrics.js";
import type { ServiceContext } from "../../../../src/core/service.js";

export function hexOf(seed: string, bytes = 32): string {
  return createHash("sha256")
    .update(seed)
    .digest("hex")
    .repeat(2)
    .slice(0, bytes * 2);
}

export interface TestContext {
  ctx: ServiceContext;
  registry: Registry;
  lines: Record<string, unknown>[];
  abort: AbortController;
}

/** A service context on `pool` with a JSON log captured in `lines` and a fresh registry. */
export function testContext(
  pool: pg.Pool,
  now: () => number,
  onLine?: (line: Record<string, unknown>, abort: AbortController) => void,
): TestContext {
  const lines: Record<string, unknown>[] = [];
  const abort = new AbortController();
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split("\n")) {
        if (!text) continue;
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        onLine?.(line, abort);
      }
      done();
    },
  });
  const registry = createRegistry();
  const log = createLogger({ level: "debug", format: "json", destination }).child({
    service: "finder",
  });
  const ctx: ServiceContext = {
    db: pool,
    log,
    metrics: createServiceMetrics(registry, "finder"),
    signal: abort.signal,
    now,
    outage: createDbOutage(log),
  };
  return { ctx, registry, lines, abort };
}

export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const found = metric?.values.find((v) =>
    Object.entries(labels).every(([k, value]) => v.labels[k] === value),
  );
  return found?.value ?? 0;
}

export interface StoredEvent {
  seed: string;
  kind: number;
  tags: unknown;
  content?: string;
}

/** Stores one event (whole, or lilbrotr-style with only tagvalues) and its sightings. */
export async function storeEvent(
  db: Pick<pg.Pool, "query">,
  profile: Profile,
  event: StoredEvent,
  sightings: readonly { relay: string; seenAt: number }[],
): Promise<string> {
  const id = hexOf(`id:${event.seed}`);
  const lil = profile === "lilbrotr";
  await db.query(
    `INSERT INTO event (id, pubkey, created_at, kind, tagvalues, tags, content, sig)
     VALUES (decode($1, 'hex'), decode($2, 'hex'), 1700000000, $3, tags_to_tagvalues($4::jsonb),
             CASE WHEN $5 THEN NULL ELSE $4::jsonb END,
             CASE WHEN $5 THEN NULL ELSE $6 END,
             CASE WHEN $5 THEN NULL ELSE decode($7, 'hex') END)`,
    [
      id,
      hexOf(`pk:${event.seed}`),
      event.kind,
      JSON.stringify(event.tags),
      lil,
      event.content ?? "",
      hexOf(`sig:${event.seed}`, 64),
    ],
  );
  for (const s of sightings) {
    await db.query(
      `INSERT INTO relay (url, network, discovered_at) VALUES ($1, 'clearnet', 0) ON CONFLICT DO NOTHING`,
      [s.relay],
    );
    await db.query(
      `INSERT INTO event_relay (event_id, relay_id, seen_at)
       VALUES (decode($1, 'hex'), (SELECT id FROM relay WHERE url = $2), $3)`,
      [id, s.relay, s.seenAt],
    );
  }
  return id;
}

/** Candidates as url → source. */
export async function candidates(db: pg.Pool): Promise<Record<string, string>> {
  const { rows } = await db.query<{ url: string; source: string }>(
    `SELECT state_key AS url, state_value ->> 'source' AS source FROM service_state
     WHERE service_name = 'validator' AND state_type = 'candidate' ORDER BY state_key`,
  );
  return Object.fromEntries(rows.map((r) => [r.url, r.source]));
}

export async function finderState(db: pg.Pool, type: "cursor" | "checkpoint") {
  const { rows } = await db.query<{ state_key: string; state_value: Record<string, unknown> }>(
    `SELECT state_key, state_value FROM service_state
     WHERE service_name = 'finder' AND state_type = $1 ORDER BY state_key`,
    [type],
  );
  return Object.fromEntries(rows.map((r) => [r.state_key, r.state_value]));
}

/** The storing transaction (xid8, decimal) of the event stored with `seed`. */
export async function xidOf(db: Pick<pg.Pool, "query">, seed: string): Promise<string> {
  const { rows } = await db.query<{ xid: string }>(
    "SELECT stored_xid::text AS xid FROM event WHERE id = decode($1, 'hex')",
    [hexOf(`id:${seed}`)],
  );
  return rows[0]?.xid ?? "missing";
}
