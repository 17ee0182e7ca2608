-- Schema v2: compact sightings (docs/database.md).
--
-- * relay gets a small integer surrogate key `id`; `url` stays unique and remains what every
--   interface speaks. event_relay and relay_metadata refer to relays by id.
-- * event_relay becomes (event_id, relay_id, seen_at): 164 bytes a sighting with its
--   two indexes, against about 445 when every row and index carried the URL.
-- * event gets stored_xid (the transaction that stored it): the finder walks events by it,
--   exactly once, instead of walking every sighting by a time.
-- * Sightings have no per-row foreign keys (they cost a third of the write path). Integrity is
--   kept set-based (docs/database.md#integrity-of-sightings):
--     - writers insert sightings only inside a transaction holding the shared advisory lock
--       SIGHTINGS_LOCK, after the events of the batch and with relay ids verified in that
--       transaction (src/core/db/event-relays.ts, the only writer);
--     - deleting relays or events takes the same lock exclusively (statement trigger), so it
--       waits for writers in flight and none starts meanwhile, and then deletes their
--       sightings (statement trigger with a transition table): the ON DELETE CASCADE of v1;
--     - ids never change (row trigger), and TRUNCATE of event or relay truncates event_relay.
--   The lock key 7425146731800191322 is SIGHTINGS_LOCK_KEY in src/core/db/event-relays.ts.
-- Converts a v1 database in place, with its data, in this one transaction.

-- 1. Relay ids -------------------------------------------------------------------------------

ALTER TABLE event_relay DROP CONSTRAINT event_relay_relay_fk;
ALTER TABLE relay_metadata DROP CONSTRAINT relay_metadata_relay_url_fkey;
ALTER TABLE relay ADD COLUMN id integer GENERATED ALWAYS AS IDENTITY;
-- Existing relays are numbered in the order they were discovered.
DO $$
DECLARE
  r record;
  seq text := pg_get_serial_sequence('relay', 'id');
BEGIN
  PERFORM setval(seq, 1, false);
  FOR r IN SELECT url FROM relay ORDER BY discovered_at, url LOOP
    UPDATE relay SET id = DEFAULT WHERE url = r.url;
  END LOOP;
END $$;
ALTER TABLE relay DROP CONSTRAINT relay_pkey;
ALTER TABLE relay ADD CONSTRAINT relay_pkey PRIMARY KEY (id);
ALTER TABLE relay ADD CONSTRAINT relay_url_key UNIQUE (url);

-- 2. The storing transaction on event ---------------------------------------------------------

-- stored_xid: the transaction that stored the event. The finder walks events in
-- (stored_xid, id) order up to the oldest transaction still running
-- (pg_snapshot_xmin(pg_current_snapshot())): every transaction below it has ended, and none
-- started later can get a smaller id, so each event is walked exactly once, however long its
-- archive transaction took to commit (a time column needs a guessed settle time instead).
-- Events of a v1 archive all get this migration's transaction.
ALTER TABLE event ADD COLUMN stored_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX event_stored_xid_idx ON event (stored_xid);

-- Time indexes ascending, as the archive writes (created_at, id order): each batch then lands
-- at the right end of each range, where pages fill up; v1's DESC indexes took rising keys at
-- the left end, which splits pages in halves. Backward scans serve the newest-first reads.
DROP INDEX event_created_at_idx, event_kind_created_at_idx, event_pubkey_created_at_idx,
  event_pubkey_kind_created_at_idx;
CREATE INDEX event_created_at_idx ON event (created_at, id);
CREATE INDEX event_kind_created_at_idx ON event (kind, created_at);
CREATE INDEX event_pubkey_created_at_idx ON event (pubkey, created_at);
CREATE INDEX event_pubkey_kind_created_at_idx ON event (pubkey, kind, created_at);

-- The tag index with a small pending list (512 kB instead of 4 MB): new entries are still
-- appended and merged in bulk (without the list, inserts cost 28 us more an event), but the
-- list's pages, which stay in the index once merged, are 16 x 512 kB instead of 16 x 4 MB:
-- 138 against 410 bytes an event after a 200,000-event load (BENCHMARKS.md, "Database").
DROP INDEX event_tagvalues_idx;
CREATE INDEX event_tagvalues_idx ON event USING gin (tagvalues) WITH (gin_pending_list_limit = 512);

-- 3. Compact event_relay ---------------------------------------------------------------------

-- The views read event_relay and relay_metadata: recreated in section 6.
DROP MATERIALIZED VIEW relay_metadata_latest, kind_counts_by_relay, pubkey_counts_by_relay,
  relay_stats, network_stats, relay_software_counts, supported_nip_counts;

CREATE TEMP TABLE sightings_v1 ON COMMIT DROP AS
SELECT er.event_id, r.id AS relay_id, er.seen_at
FROM event_relay er JOIN relay r ON r.url = er.relay_url;
DROP TABLE event_relay;
DO $$
DECLARE
  partitions int := (SELECT value::int FROM brotr_settings WHERE key = 'partitions');
BEGIN
  -- Column order packs the row: bytea, then int4 at offset 36, int8 at 40 (48 bytes of data).
  CREATE TABLE event_relay (
    event_id bytea NOT NULL,
    relay_id integer NOT NULL,
    seen_at bigint NOT NULL,
    PRIMARY KEY (event_id, relay_id)
  ) PARTITION BY HASH (event_id);
  FOR i IN 0 .. partitions - 1 LOOP
    EXECUTE format(
      'CREATE TABLE event_relay_p%s PARTITION OF event_relay FOR VALUES WITH (MODULUS %s, REMAINDER %s)',
      i, partitions, i);
    EXECUTE format(
      'ALTER TABLE event_relay_p%s SET (autovacuum_vacuum_scale_factor = 0.02,
         autovacuum_vacuum_threshold = 10000, autovacuum_analyze_scale_factor = 0.01)', i);
  END LOOP;
END $$;
INSERT INTO event_relay (event_id, relay_id, seen_at)
SELECT event_id, relay_id, seen_at FROM sightings_v1 ORDER BY event_id, relay_id;
-- The sightings of one relay: the events of a small relay (a large one is read through the
-- time index of event and event_relay_pkey instead), the relay delete cascade. One key for
-- many rows, so B-tree deduplication stores it about 10 bytes a sighting; a (relay_id,
-- seen_at) index cost 45 (BENCHMARKS.md, "Database").
CREATE INDEX event_relay_relay_idx ON event_relay (relay_id);

-- 4. relay_metadata by relay id --------------------------------------------------------------

CREATE TEMP TABLE history_v1 ON COMMIT DROP AS
SELECT r.id AS relay_id, rm.metadata_type, rm.generated_at, rm.metadata_id
FROM relay_metadata rm JOIN relay r ON r.url = rm.relay_url;
DROP TABLE relay_metadata;
CREATE TABLE relay_metadata (
  relay_id integer NOT NULL REFERENCES relay (id) ON DELETE CASCADE,
  metadata_type text NOT NULL,
  generated_at bigint NOT NULL,
  metadata_id bytea NOT NULL,
  PRIMARY KEY (relay_id, generated_at, metadata_type),
  FOREIGN KEY (metadata_id, metadata_type) REFERENCES metadata (id, type) ON DELETE CASCADE
);
INSERT INTO relay_metadata (relay_id, metadata_type, generated_at, metadata_id)
SELECT relay_id, metadata_type, generated_at, metadata_id FROM history_v1;
-- Orphan-metadata cleanup and the metadata delete cascade.
CREATE INDEX relay_metadata_metadata_idx ON relay_metadata (metadata_id, metadata_type);
-- Latest check of each type per relay.
CREATE INDEX relay_metadata_latest_idx ON relay_metadata (relay_id, metadata_type, generated_at DESC);

-- 5. Integrity of sightings ------------------------------------------------------------------

CREATE FUNCTION sightings_lock_exclusive() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7425146731800191322);
  RETURN NULL;
END $$;

CREATE FUNCTION relay_delete_sightings() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM event_relay er USING gone g WHERE er.relay_id = g.id;
  RETURN NULL;
END $$;

CREATE FUNCTION event_delete_sightings() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM event_relay er USING gone g WHERE er.event_id = g.id;
  RETURN NULL;
END $$;

CREATE FUNCTION truncate_sightings() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE event_relay;
  RETURN NULL;
END $$;

CREATE FUNCTION refuse_id_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id IS DISTINCT FROM OLD.id THEN
    RAISE EXCEPTION 'the id of a % row never changes (sightings refer to it)', TG_TABLE_NAME
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER relay_delete_lock BEFORE DELETE ON relay
  FOR EACH STATEMENT EXECUTE FUNCTION sightings_lock_exclusive();
CREATE TRIGGER relay_delete_sightings AFTER DELETE ON relay
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION relay_delete_sightings();
CREATE TRIGGER relay_truncate_sightings AFTER TRUNCATE ON relay
  FOR EACH STATEMENT EXECUTE FUNCTION truncate_sightings();
CREATE TRIGGER relay_id_fixed BEFORE UPDATE OF id ON relay
  FOR EACH ROW EXECUTE FUNCTION refuse_id_change();

CREATE TRIGGER event_delete_lock BEFORE DELETE ON event
  FOR EACH STATEMENT EXECUTE FUNCTION sightings_lock_exclusive();
CREATE TRIGGER event_delete_sightings AFTER DELETE ON event
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION event_delete_sightings();
CREATE TRIGGER event_truncate_sightings AFTER TRUNCATE ON event
  FOR EACH STATEMENT EXECUTE FUNCTION truncate_sightings();
CREATE TRIGGER event_id_fixed BEFORE UPDATE OF id ON event
  FOR EACH ROW EXECUTE FUNCTION refuse_id_change();

-- 6. Views over sightings and history, by relay id; they still show relay_url ---------------

CREATE MATERIALIZED VIEW relay_metadata_latest AS
SELECT DISTINCT ON (rm.relay_id, rm.metadata_type)
  r.url AS relay_url, rm.metadata_type, rm.generated_at, rm.metadata_id, m.data, rm.relay_id
FROM relay_metadata rm
JOIN relay r ON r.id = rm.relay_id
JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type
ORDER BY rm.relay_id, rm.metadata_type, rm.generated_at DESC;
CREATE UNIQUE INDEX relay_metadata_latest_key ON relay_metadata_latest (relay_url, metadata_type);
CREATE INDEX relay_metadata_latest_type_idx ON relay_metadata_latest (metadata_type);

CREATE MATERIALIZED VIEW kind_counts_by_relay AS
SELECT c.kind, r.url AS relay_url, c.event_count, c.unique_pubkeys
FROM (
  SELECT e.kind, er.relay_id, count(*) AS event_count, count(DISTINCT e.pubkey) AS unique_pubkeys
  FROM event_relay er
  JOIN event e ON e.id = er.event_id
  GROUP BY e.kind, er.relay_id
) c
JOIN relay r ON r.id = c.relay_id;
CREATE UNIQUE INDEX kind_counts_by_relay_key ON kind_counts_by_relay (kind, relay_url);
CREATE INDEX kind_counts_by_relay_relay_idx ON kind_counts_by_relay (relay_url);

CREATE MATERIALIZED VIEW pubkey_counts_by_relay AS
SELECT encode(c.pubkey, 'hex') AS pubkey, r.url AS relay_url, c.event_count, c.unique_kinds,
  c.first_event_at, c.last_event_at
FROM (
  SELECT e.pubkey, er.relay_id, count(*) AS event_count, count(DISTINCT e.kind) AS unique_kinds,
    min(e.created_at) AS first_event_at, max(e.created_at) AS last_event_at
  FROM event_relay er
  JOIN event e ON e.id = er.event_id
  GROUP BY e.pubkey, er.relay_id
  HAVING count(*) >= 2
) c
JOIN relay r ON r.id = c.relay_id;
CREATE UNIQUE INDEX pubkey_counts_by_relay_key ON pubkey_counts_by_relay (pubkey, relay_url);
CREATE INDEX pubkey_counts_by_relay_relay_idx ON pubkey_counts_by_relay (relay_url);

CREATE MATERIALIZED VIEW relay_stats AS
WITH events AS (
  SELECT er.relay_id, count(*) AS event_count, count(DISTINCT e.pubkey) AS unique_pubkeys,
    count(DISTINCT e.kind) AS unique_kinds,
    min(e.created_at) AS first_event_at, max(e.created_at) AS last_event_at
  FROM event_relay er
  JOIN event e ON e.id = er.event_id
  GROUP BY er.relay_id
), rtt_snapshots AS (
  SELECT rm.relay_id, m.data -> 'data' AS d,
    row_number() OVER (PARTITION BY rm.relay_id ORDER BY rm.generated_at DESC) AS n
  FROM relay_metadata rm
  JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type
  WHERE rm.metadata_type = 'nip66_rtt'
), rtt AS (
  SELECT relay_id,
    round(avg(CASE WHEN jsonb_typeof(d -> 'rtt_open') = 'number'
      THEN (d ->> 'rtt_open')::numeric END), 2)::double precision AS avg_rtt_open,
    round(avg(CASE WHEN jsonb_typeof(d -> 'rtt_read') = 'number'
      THEN (d ->> 'rtt_read')::numeric END), 2)::double precision AS avg_rtt_read,
    round(avg(CASE WHEN jsonb_typeof(d -> 'rtt_write') = 'number'
      THEN (d ->> 'rtt_write')::numeric END), 2)::double precision AS avg_rtt_write
  FROM rtt_snapshots
  WHERE n <= 10
  GROUP BY relay_id
), nip11 AS (
  SELECT relay_id, data -> 'data' AS d
  FROM relay_metadata_latest
  WHERE metadata_type = 'nip11_info'
)
SELECT r.url AS relay_url, r.network, r.discovered_at,
  coalesce(ev.event_count, 0) AS event_count,
  coalesce(ev.unique_pubkeys, 0) AS unique_pubkeys,
  coalesce(ev.unique_kinds, 0) AS unique_kinds,
  ev.first_event_at, ev.last_event_at,
  rtt.avg_rtt_open, rtt.avg_rtt_read, rtt.avg_rtt_write,
  n.d ->> 'name' AS nip11_name,
  nullif(btrim(n.d ->> 'software'), '') AS nip11_software,
  nullif(btrim(n.d ->> 'version'), '') AS nip11_version
FROM relay r
LEFT JOIN events ev ON ev.relay_id = r.id
LEFT JOIN rtt ON rtt.relay_id = r.id
LEFT JOIN nip11 n ON n.relay_id = r.id;
CREATE UNIQUE INDEX relay_stats_key ON relay_stats (relay_url);
CREATE INDEX relay_stats_network_idx ON relay_stats (network);

CREATE MATERIALIZED VIEW network_stats AS
WITH relays AS (
  SELECT network, count(*) AS relay_count FROM relay GROUP BY network
), network_events AS (
  SELECT DISTINCT r.network, er.event_id
  FROM event_relay er
  JOIN relay r ON r.id = er.relay_id
), events AS (
  SELECT ne.network, count(*) AS event_count, count(DISTINCT e.pubkey) AS unique_pubkeys,
    count(DISTINCT e.kind) AS unique_kinds
  FROM network_events ne
  JOIN event e ON e.id = ne.event_id
  GROUP BY ne.network
)
SELECT r.network, r.relay_count,
  coalesce(e.event_count, 0) AS event_count,
  coalesce(e.unique_pubkeys, 0) AS unique_pubkeys,
  coalesce(e.unique_kinds, 0) AS unique_kinds
FROM relays r
LEFT JOIN events e ON e.network = r.network;
CREATE UNIQUE INDEX network_stats_key ON network_stats (network);

CREATE MATERIALIZED VIEW relay_software_counts AS
SELECT software, version, count(*) AS relay_count
FROM (
  SELECT left(nullif(btrim(data -> 'data' ->> 'software'), ''), 256) AS software,
    left(coalesce(nullif(btrim(data -> 'data' ->> 'version'), ''), 'unknown'), 256) AS version
  FROM relay_metadata_latest
  WHERE metadata_type = 'nip11_info'
) s
WHERE software IS NOT NULL
GROUP BY software, version;
CREATE UNIQUE INDEX relay_software_counts_key ON relay_software_counts (software, version);

CREATE MATERIALIZED VIEW supported_nip_counts AS
SELECT nip, count(DISTINCT relay_id) AS relay_count
FROM (
  SELECT l.relay_id,
    CASE WHEN jsonb_typeof(x.value) IN ('number', 'string') AND x.value #>> '{}' ~ '^[0-9]{1,9}$'
      THEN (x.value #>> '{}')::integer END AS nip
  FROM relay_metadata_latest l
  CROSS JOIN LATERAL jsonb_array_elements(
    CASE WHEN jsonb_typeof(l.data -> 'data' -> 'supported_nips') = 'array'
      THEN l.data -> 'data' -> 'supported_nips' ELSE '[]'::jsonb END) AS x(value)
  WHERE l.metadata_type = 'nip11_info'
) s
WHERE nip IS NOT NULL
GROUP BY nip;
CREATE UNIQUE INDEX supported_nip_counts_key ON supported_nip_counts (nip);

-- 7. Privileges of the new objects (as 000004) -----------------------------------------------

GRANT SELECT ON event_relay, relay_metadata
  TO bigbrotr_writer, bigbrotr_reader, bigbrotr_refresher;
GRANT INSERT, UPDATE, DELETE ON event_relay, relay_metadata TO bigbrotr_writer;
DO $$
DECLARE
  v text;
BEGIN
  FOREACH v IN ARRAY ARRAY[
    'relay_metadata_latest', 'kind_counts_by_relay', 'pubkey_counts_by_relay', 'relay_stats',
    'network_stats', 'relay_software_counts', 'supported_nip_counts'
  ] LOOP
    EXECUTE format('GRANT SELECT ON %I TO bigbrotr_writer, bigbrotr_reader, bigbrotr_refresher', v);
    EXECUTE format('REVOKE INSERT, UPDATE, DELETE ON %I FROM bigbrotr_writer', v);
    IF current_setting('server_version_num')::int >= 170000 THEN
      EXECUTE format('GRANT MAINTAIN ON %I TO bigbrotr_refresher', v);
    ELSE
      EXECUTE format('ALTER MATERIALIZED VIEW %I OWNER TO bigbrotr_refresher', v);
    END IF;
  END LOOP;
END $$;
