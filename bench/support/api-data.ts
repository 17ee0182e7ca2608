/**
 * The dataset of bench:api, generated inside PostgreSQL (fast, and the same every run):
 * `relays` relays (every tenth on Tor) with `days` days of hourly monitor runs in the monitor's
 * document shape (nip66_rtt every run; nip11_info, nip66_geo, nip66_net once a day), and
 * `events` events over the same 30 days from 20,000 authors (kinds 1, 7, 6, 0, 3, 30023, 1984),
 * each with a #t of 1,000 topics, a #p and an #e, seen on 1 to 3 relays. Ids and signatures are
 * hashes, not real (the API never verifies them).
 */
import type pg from "pg";

export const AUTHORS = 20_000;
export const TOPICS = 1000;
export const KINDS = [1, 7, 6, 0, 3, 30023, 1984];

const RELAYS = `
  INSERT INTO relay (url, network, discovered_at)
  SELECT CASE WHEN i % 10 = 9 THEN 'ws://benchrelay' || i || repeat('a', 40) || '.onion'
              ELSE 'wss://relay' || i || '.bench.example' END,
         CASE WHEN i % 10 = 9 THEN 'tor' ELSE 'clearnet' END, $2 - 90 * 86400
  FROM generate_series(0, $1 - 1) AS i`;

// Relay i is up with probability 0.5 + 0.5 * ((i * 37) % 100) / 100; a third never accept writes.
const TEMP = `
  CREATE TEMP TABLE runs (relay_id int, t bigint, doc jsonb, id bytea) ON COMMIT DROP;
  CREATE TEMP TABLE daily (relay_id int, t bigint, type text, doc jsonb, id bytea) ON COMMIT DROP`;

const RTT_RUNS = `
  INSERT INTO runs
  SELECT relay_id, t, doc, sha256(convert_to(doc::text, 'UTF8')) AS id
  FROM (
    SELECT r.id AS relay_id, $1 - h * 3600 AS t,
      CASE WHEN random() < 0.5 + 0.5 * ((r.id * 37) % 100) / 100.0
        THEN jsonb_build_object(
          'data', jsonb_strip_nulls(jsonb_build_object('rtt_open', o, 'rtt_read', o + 15,
                    'rtt_write', CASE WHEN r.id % 3 <> 0 THEN o + 30 END)),
          'logs', jsonb_build_object('open_success', true, 'read_success', true,
                    'write_success', r.id % 3 <> 0))
        ELSE jsonb_build_object('data', '{}'::jsonb,
          'logs', jsonb_build_object('open_success', false, 'open_reason', 'timeout'))
      END AS doc
    FROM relay r
    CROSS JOIN generate_series(0, $2 * 24 - 1) AS h
    CROSS JOIN LATERAL (SELECT 20 + (random() * 400)::int AS o) rtt
  ) s`;

const DAILY = `
  INSERT INTO daily
  SELECT relay_id, t, type, doc, sha256(convert_to(doc::text, 'UTF8')) AS id
  FROM (
    SELECT r.id AS relay_id, $1 - d * 86400 AS t, x.type, x.doc
    FROM relay r
    CROSS JOIN generate_series(0, $2 - 1) AS d
    CROSS JOIN LATERAL (VALUES
      ('nip11_info', jsonb_build_object('data', jsonb_build_object(
        'name', 'relay ' || r.id,
        'software', (ARRAY['strfry', 'nostr-rs-relay', 'khatru', 'nostream', 'relay29', 'chorus'])[1 + r.id % 6],
        'version', '1.' || (r.id % 4),
        'supported_nips', (ARRAY['[1,11]', '[1,11,42]', '[1,2,9,11,40,42,50]', '[1,11,45,50,77]'])[1 + r.id % 4]::jsonb,
        'limitation', jsonb_build_object('auth_required', r.id % 11 = 0, 'payment_required', r.id % 13 = 0)),
        'logs', jsonb_build_object('success', true))),
      ('nip66_geo', jsonb_build_object('data', jsonb_build_object(
        'geo_country', (ARRAY['US', 'DE', 'FR', 'NL', 'JP', 'BR', 'FI', 'CA', 'SG', 'GB'])[1 + r.id % 10],
        'geo_lat', -40 + (r.id * 7) % 100, 'geo_lon', -150 + (r.id * 13) % 300),
        'logs', jsonb_build_object('success', true))),
      ('nip66_net', jsonb_build_object('data', jsonb_build_object(
        'net_asn', (ARRAY[13335, 24940, 16509, 14061, 63949])[1 + r.id % 5], 'net_asn_org', 'bench'),
        'logs', jsonb_build_object('success', true)))
    ) AS x(type, doc)
    WHERE r.network = 'clearnet' OR x.type = 'nip11_info'
  ) s`;

const HISTORY = `
  INSERT INTO metadata (id, type, data)
  SELECT DISTINCT ON (id) id, 'nip66_rtt', doc FROM runs ON CONFLICT DO NOTHING;
  INSERT INTO metadata (id, type, data)
  SELECT DISTINCT ON (id, type) id, type, doc FROM daily ON CONFLICT DO NOTHING;
  INSERT INTO relay_metadata (relay_id, metadata_type, generated_at, metadata_id)
  SELECT relay_id, 'nip66_rtt', t, id FROM runs;
  INSERT INTO relay_metadata (relay_id, metadata_type, generated_at, metadata_id)
  SELECT relay_id, type, t, id FROM daily`;

const EVENTS = `
  INSERT INTO event (id, pubkey, created_at, kind, tagvalues, tags, content, sig)
  SELECT id, pubkey, created_at, kind, tags_to_tagvalues(tags), tags, 'bench note ' || i, sig
  FROM (
    SELECT i,
      sha256(convert_to('e' || i, 'UTF8')) AS id,
      sha256(convert_to('p' || ((i * 7919) % ${AUTHORS}), 'UTF8')) AS pubkey,
      $3::bigint - (i::bigint * $4::bigint) / $5::bigint AS created_at,
      (ARRAY[1, 1, 1, 1, 1, 1, 7, 7, 7, 6, 0, 3, 30023, 1984])[1 + (i * 31) % 14] AS kind,
      jsonb_build_array(
        jsonb_build_array('t', 'topic' || ((i * 131) % ${TOPICS})),
        jsonb_build_array('p', encode(sha256(convert_to('p' || ((i * 13) % ${AUTHORS}), 'UTF8')), 'hex')),
        jsonb_build_array('e', encode(sha256(convert_to('e' || (i / 3), 'UTF8')), 'hex'))) AS tags,
      sha256(convert_to('s' || i, 'UTF8')) || sha256(convert_to('S' || i, 'UTF8')) AS sig
    FROM generate_series($1::bigint, $2::bigint - 1) AS i
  ) s`;

// The ordered tag rows the event writer adds with each event (src/core/db/events.ts).
const EVENT_TAGS = `
  INSERT INTO event_tag (tag, created_at, event_id)
  SELECT DISTINCT hashtextextended(v, 0), e.created_at, e.id
  FROM event e CROSS JOIN unnest(e.tagvalues) AS v`;

// Each event on 1 to 3 relays; the lower-numbered relays carry more (as big relays do).
const SIGHTINGS = `
  INSERT INTO event_relay (event_id, relay_id, seen_at)
  SELECT DISTINCT ON (e.id, rel) e.id, rel, e.created_at + 5
  FROM event e
  CROSS JOIN LATERAL generate_series(1, 1 + (get_byte(e.id, 0) % 3)) AS k
  CROSS JOIN LATERAL (SELECT 1 + ((get_byte(e.id, k) * get_byte(e.id, k + 5)) % $1) AS rel) x
  WHERE e.created_at >= $2 AND e.created_at < $3`;

export interface BenchData {
  relays: number;
  days: number;
  events: number;
  /** Unix time of the newest run and event. */
  end: number;
}

/** Fills an empty, migrated bigbrotr database; `log` reports each step. */
export async function fillBenchDatabase(pool: pg.Pool, d: BenchData, log: (s: string) => void) {
  const client = await pool.connect();
  try {
    await client.query("SET synchronous_commit = off");
    await client.query("SELECT setseed(0.42)");
    await client.query(RELAYS, [d.relays, d.end]);
    await client.query("BEGIN");
    await client.query(TEMP);
    await client.query(RTT_RUNS, [d.end, d.days]);
    await client.query(DAILY, [d.end, d.days]);
    await client.query(HISTORY);
    await client.query("COMMIT");
    log(`history: ${d.relays} relays x ${d.days * 24} runs`);
    const span = d.days * 86_400;
    const chunk = 100_000;
    for (let lo = 0; lo < d.events; lo += chunk) {
      await client.query(EVENTS, [lo, Math.min(d.events, lo + chunk), d.end, span, d.events]);
    }
    await client.query(EVENT_TAGS);
    log(`events: ${d.events}`);
    for (let day = 0; day < d.days + 1; day += 5) {
      const hi = d.end + 1 - day * 86_400;
      await client.query(SIGHTINGS, [d.relays, hi - 5 * 86_400, hi]);
    }
    log("sightings");
    await client.query("VACUUM ANALYZE");
  } finally {
    client.release();
  }
}
