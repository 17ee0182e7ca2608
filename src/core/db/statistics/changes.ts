import type { Db } from "../pool.js";
import { affected, exec, one } from "../sql.js";

/**
 * The rows a chunk counts (+1) or uncounts (−1), gathered into two temp tables that the
 * summaries read (dropped at commit):
 *   stats_d_event    (id, pubkey, pubkey_id, kind, created_at, d_tag, sign)
 *   stats_d_sighting (event_id, relay_id, network, pubkey_id, kind, created_at, sign, fresh)
 * A chunk either walks what transactions in [from, to) stored (sign +1) or drains the
 * deletion logs (sign −1), never both, so each summary row only grows or only shrinks in it.
 * `fresh`: the sighting's event is walked in the same chunk and had no counted sighting before
 * it (not in stats_early_event, migration 000010), so the chunk alone says on which networks
 * the event is new.
 */

const STAGING = `
  CREATE TEMP TABLE stats_x_event (id bytea NOT NULL, pubkey bytea NOT NULL,
    kind integer NOT NULL, created_at bigint NOT NULL, d_tag text, sign integer NOT NULL)
    ON COMMIT DROP;
  CREATE TEMP TABLE stats_x_sighting (event_id bytea NOT NULL, relay_id integer NOT NULL,
    network text NOT NULL, pubkey bytea NOT NULL, kind integer NOT NULL,
    created_at bigint NOT NULL, sign integer NOT NULL) ON COMMIT DROP`;

// $1, $2 = the chunk's [from, to) as xid8 text.
const WALK_EVENTS = `
  INSERT INTO stats_x_event
  SELECT id, pubkey, kind, created_at,
    CASE WHEN event_kind_class(kind) = 'addressable' THEN event_d_tag(tags, tagvalues) END, 1
  FROM event WHERE stored_xid >= $1::text::xid8 AND stored_xid < $2::text::xid8`;

const WALK_SIGHTINGS = `
  CREATE TEMP TABLE stats_w_sighting ON COMMIT DROP AS
  SELECT event_id, relay_id FROM event_relay
  WHERE stored_xid >= $1::text::xid8 AND stored_xid < $2::text::xid8`;

// Sightings of events not walked in the chunk (late, or early: stored before their event)
// probe their event by id, one pruned partition each; it cannot be missing (a visible
// sighting's event and relay are visible too: deleting either deletes the sighting). An event
// stored at or above the chunk's end ($1) is not counted yet: it is listed as early. The
// sightings of events walked in the chunk (most of them) are added by addFreshSightings.
const LATE_SIGHTINGS = `
  CREATE TEMP TABLE stats_w_late ON COMMIT DROP AS
  SELECT s.event_id, s.relay_id, e.pubkey, e.kind, e.created_at, e.stored_xid
  FROM stats_w_sighting s
  CROSS JOIN LATERAL (
    SELECT e.pubkey, e.kind, e.created_at, e.stored_xid FROM event e
    WHERE e.id = s.event_id LIMIT 1
  ) e
  WHERE NOT EXISTS (SELECT 1 FROM stats_x_event x WHERE x.id = s.event_id);
  INSERT INTO stats_x_sighting
  SELECT l.event_id, l.relay_id, r.network, l.pubkey, l.kind, l.created_at, 1
  FROM stats_w_late l JOIN relay r ON r.id = l.relay_id`;
const EARLY = `
  INSERT INTO stats_early_event (event_id)
  SELECT DISTINCT event_id FROM stats_w_late WHERE stored_xid >= $1::text::xid8
  ON CONFLICT (event_id) DO NOTHING`;

// Walked events without a sighting in the chunk may be orphans: the cleanup checks them.
const WALK_ORPHANS = `
  INSERT INTO stats_orphan_candidate (event_id)
  SELECT x.id FROM stats_x_event x
  WHERE NOT EXISTS (SELECT 1 FROM stats_w_sighting s WHERE s.event_id = x.id)
  ON CONFLICT (event_id) DO NOTHING`;

/** Stages what transactions in [from, to) stored; returns the events and sightings found. */
export async function stageStored(
  db: Db,
  from: string,
  to: string,
): Promise<{ events: number; sightings: number }> {
  await exec(db, STAGING);
  const events = await affected(db, WALK_EVENTS, [from, to]);
  const walked = await affected(db, WALK_SIGHTINGS, [from, to]);
  await exec(db, "ANALYZE stats_x_event, stats_w_sighting");
  await exec(db, LATE_SIGHTINGS);
  await exec(db, EARLY, [to]);
  if (events > 0) await exec(db, WALK_ORPHANS);
  return { events, sightings: walked };
}

// After resolvePubkeys: the sightings of the walked events take the event's row of
// stats_d_event; an event listed as early is counted now and leaves the list.
const FRESH_SIGHTINGS = `
  INSERT INTO stats_d_sighting
  SELECT s.event_id, s.relay_id, r.network, d.pubkey_id, d.kind, d.created_at, 1,
    NOT EXISTS (SELECT 1 FROM stats_early_event e WHERE e.event_id = s.event_id)
  FROM stats_w_sighting s JOIN stats_d_event d ON d.id = s.event_id
  JOIN relay r ON r.id = s.relay_id;
  DELETE FROM stats_early_event e USING stats_d_event d WHERE e.event_id = d.id;
  ANALYZE stats_d_sighting`;

/** Adds the sightings of the events a walk stages to stats_d_sighting (after resolvePubkeys). */
export async function addFreshSightings(db: Db): Promise<void> {
  await exec(db, FRESH_SIGHTINGS);
}

const GONE_STAGE = `
  CREATE TEMP TABLE stats_w_gone ON COMMIT DROP AS
  SELECT event_id, relay_id, stored_xid FROM stats_gone_sighting WITH NO DATA`;
// Every logged sighting of up to $1 events (an event's are taken together: whether it is left
// on a network is decided once all of them are subtracted). A logged row was counted when the
// transaction that stored it is below the watermark (migration 000008, section 4).
const DRAIN_SIGHTINGS = `
  WITH picked AS (
    SELECT DISTINCT event_id FROM stats_gone_sighting ORDER BY event_id LIMIT $1
  ), taken AS (
    DELETE FROM stats_gone_sighting g USING picked p WHERE g.event_id = p.event_id
    RETURNING g.event_id, g.relay_id, g.stored_xid
  )
  INSERT INTO stats_w_gone SELECT * FROM taken`;

// The event and relay of a deleted sighting may be deleted too: then their logs say what
// they were ($1 = watermark, xid8 text). A row left without them fails the NOT NULL of
// stats_x_sighting (a bug, loudly).
const GONE_SIGHTINGS = `
  INSERT INTO stats_x_sighting
  SELECT g.event_id, g.relay_id, coalesce(r.network, gr.network), coalesce(e.pubkey, ge.pubkey),
    coalesce(e.kind, ge.kind), coalesce(e.created_at, ge.created_at), -1
  FROM stats_w_gone g
  LEFT JOIN relay r ON r.id = g.relay_id
  LEFT JOIN stats_gone_relay gr ON gr.id = g.relay_id
  LEFT JOIN LATERAL (
    SELECT e.pubkey, e.kind, e.created_at FROM event e WHERE e.id = g.event_id LIMIT 1
  ) e ON true
  LEFT JOIN LATERAL (
    SELECT ge.pubkey, ge.kind, ge.created_at FROM stats_gone_event ge
    WHERE ge.id = g.event_id LIMIT 1
  ) ge ON true
  WHERE g.stored_xid < $1::text::xid8`;

// Events that lost a sighting may be orphans now.
const GONE_ORPHANS = `
  INSERT INTO stats_orphan_candidate (event_id)
  SELECT DISTINCT g.event_id FROM stats_w_gone g
  WHERE EXISTS (SELECT 1 FROM event e WHERE e.id = g.event_id)
  ON CONFLICT (event_id) DO NOTHING`;

// Only once no logged sighting is left: their rows may still need these events' attributes.
// $1 = watermark (xid8 text), $2 = most rows taken.
const DRAIN_EVENTS = `
  WITH taken AS (
    DELETE FROM stats_gone_event WHERE seq IN (
      SELECT seq FROM stats_gone_event ORDER BY seq LIMIT $2)
    RETURNING id, pubkey, kind, created_at, d_tag, stored_xid
  )
  INSERT INTO stats_x_event
  SELECT id, pubkey, kind, created_at, d_tag, -1 FROM taken WHERE stored_xid < $1::text::xid8`;

/** True while a deletion is logged and not yet subtracted. */
export const PENDING_DELETIONS = `
  SELECT EXISTS (SELECT 1 FROM stats_gone_sighting) OR EXISTS (SELECT 1 FROM stats_gone_event)
    AS pending`;

/**
 * Stages the logged sighting deletions of up to `limit` events, then (once none is left) up
 * to `limit` logged event deletions; the counted ones are subtracted. Returns how many log
 * rows were taken.
 */
export async function stageDeleted(
  db: Db,
  watermark: string,
  limit: number,
): Promise<{ events: number; sightings: number }> {
  await exec(db, STAGING);
  await exec(db, GONE_STAGE);
  const sightings = await affected(db, DRAIN_SIGHTINGS, [limit]);
  if (sightings > 0) {
    await exec(db, GONE_SIGHTINGS, [watermark]);
    await exec(db, GONE_ORPHANS);
    const { left } = await one<{ left: boolean }>(
      db,
      "SELECT EXISTS (SELECT 1 FROM stats_gone_sighting) AS left",
    );
    if (left) return { events: 0, sightings };
  }
  const events = await affected(db, DRAIN_EVENTS, [watermark, limit]);
  if (events < limit) await exec(db, "DELETE FROM stats_gone_relay");
  return { events, sightings };
}

// New pubkeys get an id first; NOT EXISTS keeps the identity from being spent on conflicts
// (the statistics lock rules out concurrent inserts).
const DICTIONARY = `
  INSERT INTO stats_pubkey (pubkey)
  SELECT n.pubkey FROM (
    SELECT pubkey FROM stats_x_event UNION SELECT pubkey FROM stats_x_sighting
  ) n
  WHERE NOT EXISTS (SELECT 1 FROM stats_pubkey p WHERE p.pubkey = n.pubkey)
  ORDER BY 1
  ON CONFLICT (pubkey) DO NOTHING;
  CREATE TEMP TABLE stats_d_event ON COMMIT DROP AS
  SELECT x.id, x.pubkey, p.id AS pubkey_id, x.kind, x.created_at, x.d_tag, x.sign
  FROM stats_x_event x JOIN stats_pubkey p ON p.pubkey = x.pubkey;
  CREATE TEMP TABLE stats_d_sighting ON COMMIT DROP AS
  SELECT x.event_id, x.relay_id, x.network, p.id AS pubkey_id, x.kind, x.created_at, x.sign,
    false AS fresh
  FROM stats_x_sighting x JOIN stats_pubkey p ON p.pubkey = x.pubkey;
  ANALYZE stats_d_event, stats_d_sighting`;

/** Gives the staged pubkeys their dictionary ids: stats_d_event and stats_d_sighting. */
export async function resolvePubkeys(db: Db): Promise<void> {
  await exec(db, DICTIONARY);
}
