-- Incremental statistics (docs/database.md#statistics): summary tables that the refresher
-- brings up to date from what changed since its watermark (src/core/db/statistics/), in place
-- of the 13 materialized views of 000003/000005, which re-read the whole archive each refresh.
--
-- * Change capture. Rows are walked by the transaction that stored them, below the oldest
--   transaction still running, as the finder walks events (000005): event.stored_xid, and now
--   event_relay.stored_xid and relay_metadata.stored_xid. Deletions are logged by statement
--   triggers (stats_gone_*), in the deleting transaction.
-- * The watermark (stats_progress.watermark): every event and sighting stored by a transaction
--   below it is counted, none at or above it. It moves in the transaction that adds the rows
--   it passes, so a crash never counts a row twice or skips one.
-- * Distinct counts stay exact under deletions because each set is kept with a count per
--   member (stats_kind_pubkey, stats_relay_pubkey_kind, ...; pubkeys as small integers of
--   stats_pubkey), or looked up (whether a relay still has a pubkey, an event a network).
-- * The reader-facing names of the views survive as plain views over the tables (section 5),
--   with the same columns and meaning.
-- * statistics_rebuild() fills every table from scratch; this migration calls it once.

-- The materialized views go first: two of their names become tables, the others views.
DROP MATERIALIZED VIEW relay_metadata_latest, event_stats, relay_stats, kind_counts,
  kind_counts_by_relay, pubkey_counts, pubkey_counts_by_relay, network_stats,
  event_daily_counts, events_replaceable_latest, events_addressable_latest,
  relay_software_counts, supported_nip_counts;

-- 1. Change capture ----------------------------------------------------------------------------

-- Rows stored before this migration read '0' (a constant default: no table rewrite) and are
-- counted by the fill at the end; new rows get their own transaction's id.
ALTER TABLE event_relay ADD COLUMN stored_xid xid8 NOT NULL DEFAULT '0';
ALTER TABLE event_relay ALTER COLUMN stored_xid SET DEFAULT pg_current_xact_id();
CREATE INDEX event_relay_stored_xid_idx ON event_relay (stored_xid);
ALTER TABLE relay_metadata ADD COLUMN stored_xid xid8 NOT NULL DEFAULT '0';
ALTER TABLE relay_metadata ALTER COLUMN stored_xid SET DEFAULT pg_current_xact_id();
CREATE INDEX relay_metadata_stored_xid_idx ON relay_metadata (stored_xid);

-- 2. Definitions shared by the fill and the refresher ------------------------------------------

-- d tag of an addressable event, '' when absent (NIP-01). bigbrotr (tags kept): the first d
-- tag's value, '' if it has none or one over 1024 bytes. lilbrotr (tags NULL): the lowest
-- 'd:' value of tagvalues in byte order (their order is lost; values over 1024 bytes are not
-- in tagvalues). The rule of 000003, now one function for both profiles.
CREATE FUNCTION event_d_tag(tags jsonb, tagvalues text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN coalesce(
  CASE WHEN tags IS NOT NULL THEN
    (SELECT CASE WHEN octet_length(t ->> 1) <= 1024 THEN t ->> 1 END
     FROM jsonb_array_elements(tags) WITH ORDINALITY AS x(t, i)
     WHERE t ->> 0 = 'd' ORDER BY i LIMIT 1)
  ELSE
    (SELECT min(substr(v, 3) COLLATE "C") FROM unnest(tagvalues) AS v WHERE left(v, 2) = 'd:')
  END, '');

-- What the statistics show of a relay's checks: RTT averages over its 10 newest nip66_rtt
-- snapshots (snapshots without a numeric value skipped), name, software and version of its
-- newest NIP-11 document, and that document's supported_nips that are integers 0..999999999
-- (JSON numbers or digit strings), each once. Index: relay_metadata_latest_idx.
CREATE FUNCTION relay_check_summary(target integer)
RETURNS TABLE (avg_rtt_open double precision, avg_rtt_read double precision,
  avg_rtt_write double precision, nip11_name text, nip11_software text, nip11_version text,
  nips integer[])
LANGUAGE sql STABLE AS $$
  SELECT rtt.o, rtt.r, rtt.w, n.d ->> 'name', nullif(btrim(n.d ->> 'software'), ''),
    nullif(btrim(n.d ->> 'version'), ''), coalesce(l.nips, '{}')
  FROM (
    SELECT
      round(avg(CASE WHEN jsonb_typeof(d -> 'rtt_open') = 'number'
        THEN (d ->> 'rtt_open')::numeric END), 2)::double precision AS o,
      round(avg(CASE WHEN jsonb_typeof(d -> 'rtt_read') = 'number'
        THEN (d ->> 'rtt_read')::numeric END), 2)::double precision AS r,
      round(avg(CASE WHEN jsonb_typeof(d -> 'rtt_write') = 'number'
        THEN (d ->> 'rtt_write')::numeric END), 2)::double precision AS w
    FROM (
      SELECT m.data -> 'data' AS d FROM relay_metadata rm
      JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type
      WHERE rm.relay_id = target AND rm.metadata_type = 'nip66_rtt'
      ORDER BY rm.generated_at DESC LIMIT 10
    ) newest
  ) rtt
  LEFT JOIN LATERAL (
    SELECT c.data -> 'data' AS d FROM relay_latest_check(target, 'nip11_info') c
  ) n ON true
  LEFT JOIN LATERAL (
    SELECT array_agg(DISTINCT nip ORDER BY nip) AS nips
    FROM (
      SELECT CASE WHEN jsonb_typeof(x) IN ('number', 'string') AND x #>> '{}' ~ '^[0-9]{1,9}$'
        THEN (x #>> '{}')::integer END AS nip
      FROM jsonb_array_elements(CASE WHEN jsonb_typeof(n.d -> 'supported_nips') = 'array'
        THEN n.d -> 'supported_nips' ELSE '[]'::jsonb END) AS x
    ) s
    WHERE nip IS NOT NULL
  ) l ON true
$$;

-- 3. Summary tables ----------------------------------------------------------------------------
-- Counters are bigint and never negative; a row whose size (its first counter) reaches 0 is
-- deleted, except in the pubkey dictionary. Updated tables leave room for HOT updates.

CREATE TABLE stats_progress (
  singleton_key integer PRIMARY KEY DEFAULT 1 CHECK (singleton_key = 1),
  watermark xid8 NOT NULL,
  -- relay_metadata before this time (unix seconds) is already downsampled (retention)
  history_kept_until bigint
);

CREATE TABLE stats_event (
  singleton_key integer PRIMARY KEY DEFAULT 1 CHECK (singleton_key = 1),
  unique_pubkeys bigint NOT NULL DEFAULT 0 CHECK (unique_pubkeys >= 0),
  earliest_created_at bigint,
  latest_created_at bigint,
  -- Rolling windows [refreshed_at - w, refreshed_at], set by each cycle (NULL before the first).
  refreshed_at bigint,
  count_1h bigint, count_24h bigint, count_7d bigint, count_30d bigint
);

CREATE TABLE stats_pubkey (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  pubkey bytea NOT NULL UNIQUE,
  event_count bigint NOT NULL DEFAULT 0 CHECK (event_count >= 0),
  unique_kinds bigint NOT NULL DEFAULT 0 CHECK (unique_kinds >= 0),
  first_event_at bigint,
  last_event_at bigint
) WITH (fillfactor = 90);

CREATE TABLE stats_kind (
  kind integer PRIMARY KEY,
  event_count bigint NOT NULL CHECK (event_count >= 0),
  unique_pubkeys bigint NOT NULL CHECK (unique_pubkeys >= 0)
);

CREATE TABLE stats_kind_pubkey (
  kind integer NOT NULL,
  pubkey_id integer NOT NULL,
  event_count bigint NOT NULL CHECK (event_count >= 0),
  PRIMARY KEY (kind, pubkey_id)
) WITH (fillfactor = 90);

-- UTC day of created_at (days since 1970-01-01); created_at outside years 1970..9999 left out.
CREATE TABLE stats_day (
  day integer PRIMARY KEY,
  event_count bigint NOT NULL CHECK (event_count >= 0),
  unique_pubkeys bigint NOT NULL CHECK (unique_pubkeys >= 0)
);

CREATE TABLE stats_day_pubkey (
  day integer NOT NULL,
  pubkey_id integer NOT NULL,
  event_count bigint NOT NULL CHECK (event_count >= 0),
  PRIMARY KEY (day, pubkey_id)
) WITH (fillfactor = 90);

-- Events per hour of created_at (created_at / 3600): the rolling windows.
CREATE TABLE stats_hour (
  hour bigint PRIMARY KEY,
  event_count bigint NOT NULL CHECK (event_count >= 0)
);

-- NIP-01: the newest created_at wins, ties to the lowest id. Keys only; join event on id.
CREATE TABLE events_replaceable_latest (
  id bytea NOT NULL,
  pubkey bytea NOT NULL,
  kind integer NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (pubkey, kind)
) WITH (fillfactor = 90);

CREATE TABLE events_addressable_latest (
  id bytea NOT NULL,
  pubkey bytea NOT NULL,
  kind integer NOT NULL,
  d_tag text NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (pubkey, kind, d_tag)
) WITH (fillfactor = 90);

CREATE TABLE stats_relay (
  relay_id integer PRIMARY KEY,
  event_count bigint NOT NULL CHECK (event_count >= 0),
  unique_pubkeys bigint NOT NULL CHECK (unique_pubkeys >= 0),
  unique_kinds bigint NOT NULL CHECK (unique_kinds >= 0),
  first_event_at bigint,
  last_event_at bigint
) WITH (fillfactor = 90);

CREATE TABLE stats_relay_kind (
  relay_id integer NOT NULL,
  kind integer NOT NULL,
  event_count bigint NOT NULL CHECK (event_count >= 0),
  unique_pubkeys bigint NOT NULL CHECK (unique_pubkeys >= 0),
  PRIMARY KEY (relay_id, kind)
) WITH (fillfactor = 90);

-- The relay's (pubkey, kind) set: a pubkey is on the relay while it has a row here (its
-- pubkey_counts_by_relay row is the sum of its rows).
CREATE TABLE stats_relay_pubkey_kind (
  relay_id integer NOT NULL,
  pubkey_id integer NOT NULL,
  kind integer NOT NULL,
  event_count bigint NOT NULL CHECK (event_count >= 0),
  first_event_at bigint,
  last_event_at bigint,
  PRIMARY KEY (relay_id, pubkey_id, kind)
) WITH (fillfactor = 90);

-- One row per relay with checks (relay_check_summary).
CREATE TABLE stats_relay_check (
  relay_id integer PRIMARY KEY,
  avg_rtt_open double precision,
  avg_rtt_read double precision,
  avg_rtt_write double precision,
  nip11_name text,
  nip11_software text,
  nip11_version text,
  nips integer[] NOT NULL
);

-- An event counts once per network, however many of the network's relays carry it (whether
-- it has a counted sighting on the network is looked up in event_relay).
CREATE TABLE stats_network (
  network text PRIMARY KEY,
  event_count bigint NOT NULL CHECK (event_count >= 0),
  unique_pubkeys bigint NOT NULL CHECK (unique_pubkeys >= 0),
  unique_kinds bigint NOT NULL CHECK (unique_kinds >= 0)
);

CREATE TABLE stats_network_pubkey (
  network text NOT NULL,
  pubkey_id integer NOT NULL,
  event_count bigint NOT NULL CHECK (event_count >= 0),
  PRIMARY KEY (network, pubkey_id)
) WITH (fillfactor = 90);

CREATE TABLE stats_network_kind (
  network text NOT NULL,
  kind integer NOT NULL,
  event_count bigint NOT NULL CHECK (event_count >= 0),
  PRIMARY KEY (network, kind)
);

-- Events that may have no sighting left (the refresher's orphan cleanup checks each).
CREATE TABLE stats_orphan_candidate (
  event_id bytea PRIMARY KEY
);

-- 4. Deletion logs -----------------------------------------------------------------------------
-- Filled by the deleting transaction; drained by the refresher before it moves the watermark.
-- Deleting events, relays or sightings takes the sightings lock exclusively (000005, and below
-- for direct sighting deletes), which the refresher holds shared: a deletion commits between
-- two refresher transactions, so a logged row was counted exactly when its stored_xid is below
-- the watermark of the transaction that drains it.

CREATE TABLE stats_gone_event (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id bytea NOT NULL,
  pubkey bytea NOT NULL,
  kind integer NOT NULL,
  created_at bigint NOT NULL,
  d_tag text,
  stored_xid xid8 NOT NULL
);
CREATE INDEX stats_gone_event_id_idx ON stats_gone_event (id);

CREATE TABLE stats_gone_relay (
  id integer PRIMARY KEY,
  network text NOT NULL
);

-- Drained event by event: all of an event's deleted sightings in one transaction.
CREATE TABLE stats_gone_sighting (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id bytea NOT NULL,
  relay_id integer NOT NULL,
  stored_xid xid8 NOT NULL
);
CREATE INDEX stats_gone_sighting_event_idx ON stats_gone_sighting (event_id);

-- Relays whose check history lost rows (their stats_relay_check is computed again).
CREATE TABLE stats_touched_relay (
  relay_id integer PRIMARY KEY
);

CREATE FUNCTION stats_log_gone_events() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stats_gone_event (id, pubkey, kind, created_at, d_tag, stored_xid)
  SELECT id, pubkey, kind, created_at,
    CASE WHEN event_kind_class(kind) = 'addressable' THEN event_d_tag(tags, tagvalues) END,
    stored_xid
  FROM gone;
  RETURN NULL;
END $$;

CREATE FUNCTION stats_log_gone_relays() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stats_gone_relay (id, network) SELECT id, network FROM gone
  ON CONFLICT (id) DO NOTHING;
  RETURN NULL;
END $$;

CREATE FUNCTION stats_log_gone_sightings() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stats_gone_sighting (event_id, relay_id, stored_xid)
  SELECT event_id, relay_id, stored_xid FROM gone;
  RETURN NULL;
END $$;

CREATE FUNCTION stats_log_touched_relays() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stats_touched_relay (relay_id) SELECT DISTINCT relay_id FROM gone
  ON CONFLICT (relay_id) DO NOTHING;
  RETURN NULL;
END $$;

CREATE TRIGGER event_delete_stats AFTER DELETE ON event
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION stats_log_gone_events();
CREATE TRIGGER relay_delete_stats AFTER DELETE ON relay
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION stats_log_gone_relays();
CREATE TRIGGER event_relay_delete_lock BEFORE DELETE ON event_relay
  FOR EACH STATEMENT EXECUTE FUNCTION sightings_lock_exclusive();
CREATE TRIGGER event_relay_delete_stats AFTER DELETE ON event_relay
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION stats_log_gone_sightings();
CREATE TRIGGER relay_metadata_delete_stats AFTER DELETE ON relay_metadata
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION stats_log_touched_relays();

-- 5. The reader-facing statistics --------------------------------------------------------------

-- The newest snapshot of each type per relay: relay_latest_check (000007), one probe of
-- relay_metadata_latest_idx each.
CREATE VIEW relay_metadata_latest AS
SELECT r.url AS relay_url, t.type AS metadata_type, l.generated_at, l.metadata_id, l.data,
  r.id AS relay_id
FROM relay r
CROSS JOIN unnest(ARRAY['nip11_info', 'nip66_rtt', 'nip66_ssl', 'nip66_geo', 'nip66_net',
  'nip66_dns', 'nip66_http']) AS t(type)
CROSS JOIN LATERAL relay_latest_check(r.id, t.type) l;

-- No row until the refresher's first cycle has measured the rolling windows.
CREATE VIEW event_stats AS
SELECT 1 AS singleton_key, s.refreshed_at, k.event_count, s.unique_pubkeys, k.unique_kinds,
  s.earliest_created_at, s.latest_created_at, k.regular_count, k.replaceable_count,
  k.ephemeral_count, k.addressable_count, k.other_count,
  s.count_1h, s.count_24h, s.count_7d, s.count_30d,
  round(s.count_30d / 30.0, 2)::double precision AS events_per_day
FROM stats_event s
CROSS JOIN LATERAL (
  SELECT coalesce(sum(event_count), 0)::bigint AS event_count, count(*) AS unique_kinds,
    coalesce(sum(event_count) FILTER (WHERE event_kind_class(kind) = 'regular'), 0)::bigint
      AS regular_count,
    coalesce(sum(event_count) FILTER (WHERE event_kind_class(kind) = 'replaceable'), 0)::bigint
      AS replaceable_count,
    coalesce(sum(event_count) FILTER (WHERE event_kind_class(kind) = 'ephemeral'), 0)::bigint
      AS ephemeral_count,
    coalesce(sum(event_count) FILTER (WHERE event_kind_class(kind) = 'addressable'), 0)::bigint
      AS addressable_count,
    coalesce(sum(event_count) FILTER (WHERE event_kind_class(kind) = 'other'), 0)::bigint
      AS other_count
  FROM stats_kind
) k
WHERE s.refreshed_at IS NOT NULL;

CREATE VIEW kind_counts AS
SELECT kind, event_count, unique_pubkeys, event_kind_class(kind) AS category FROM stats_kind;

CREATE VIEW kind_counts_by_relay AS
SELECT s.kind, r.url AS relay_url, s.event_count, s.unique_pubkeys
FROM stats_relay_kind s JOIN relay r ON r.id = s.relay_id;

CREATE VIEW pubkey_counts AS
SELECT encode(pubkey, 'hex') AS pubkey, event_count, unique_kinds, first_event_at, last_event_at
FROM stats_pubkey WHERE event_count > 0;

-- Only pairs with at least two events, as before.
CREATE VIEW pubkey_counts_by_relay AS
SELECT encode(p.pubkey, 'hex') AS pubkey, r.url AS relay_url, s.event_count, s.unique_kinds,
  s.first_event_at, s.last_event_at
FROM (
  SELECT relay_id, pubkey_id, sum(event_count)::bigint AS event_count, count(*) AS unique_kinds,
    min(first_event_at) AS first_event_at, max(last_event_at) AS last_event_at
  FROM stats_relay_pubkey_kind GROUP BY relay_id, pubkey_id HAVING sum(event_count) >= 2
) s
JOIN stats_pubkey p ON p.id = s.pubkey_id
JOIN relay r ON r.id = s.relay_id;

CREATE VIEW event_daily_counts AS
SELECT date '1970-01-01' + day AS day, event_count, unique_pubkeys FROM stats_day;

CREATE VIEW relay_stats AS
SELECT r.url AS relay_url, r.network, r.discovered_at,
  coalesce(s.event_count, 0) AS event_count, coalesce(s.unique_pubkeys, 0) AS unique_pubkeys,
  coalesce(s.unique_kinds, 0) AS unique_kinds, s.first_event_at, s.last_event_at,
  c.avg_rtt_open, c.avg_rtt_read, c.avg_rtt_write, c.nip11_name, c.nip11_software,
  c.nip11_version
FROM relay r
LEFT JOIN stats_relay s ON s.relay_id = r.id
LEFT JOIN stats_relay_check c ON c.relay_id = r.id;

-- Networks that have relays; relay_count is live.
CREATE VIEW network_stats AS
SELECT r.network, r.relay_count, coalesce(n.event_count, 0) AS event_count,
  coalesce(n.unique_pubkeys, 0) AS unique_pubkeys, coalesce(n.unique_kinds, 0) AS unique_kinds
FROM (SELECT network, count(*) AS relay_count FROM relay GROUP BY network) r
LEFT JOIN stats_network n ON n.network = r.network;

CREATE VIEW relay_software_counts AS
SELECT left(c.nip11_software, 256) AS software,
  left(coalesce(c.nip11_version, 'unknown'), 256) AS version, count(*) AS relay_count
FROM stats_relay_check c JOIN relay r ON r.id = c.relay_id
WHERE c.nip11_software IS NOT NULL
GROUP BY 1, 2;

CREATE VIEW supported_nip_counts AS
SELECT nip, count(*) AS relay_count
FROM stats_relay_check c JOIN relay r ON r.id = c.relay_id CROSS JOIN unnest(c.nips) AS nip
GROUP BY nip;

-- 6. The fill ----------------------------------------------------------------------------------

-- Every summary table from scratch, counting the rows stored below the oldest transaction still
-- running, which becomes the watermark. Takes the statistics lock (no refresher cycle meanwhile)
-- and the sightings lock shared (no delete meanwhile); the pending deletion logs are superseded.
-- The rolling windows stay NULL until the refresher's next cycle measures them.
CREATE FUNCTION statistics_rebuild() RETURNS xid8
LANGUAGE plpgsql AS $$
DECLARE
  w xid8;
BEGIN
  PERFORM pg_advisory_xact_lock(7425146731800191323);
  PERFORM pg_advisory_xact_lock_shared(7425146731800191322);
  PERFORM set_config('work_mem', '256MB', true);
  -- A TRUNCATE of several archive tables runs this once per table, in one transaction.
  DROP TABLE IF EXISTS stats_fill_event, stats_fill_pubkey, stats_fill_rpk, stats_fill_network;
  w := pg_snapshot_xmin(pg_current_snapshot());
  TRUNCATE stats_progress, stats_event, stats_pubkey, stats_kind, stats_kind_pubkey, stats_day,
    stats_day_pubkey, stats_hour, events_replaceable_latest, events_addressable_latest,
    stats_relay, stats_relay_kind, stats_relay_pubkey_kind, stats_relay_check, stats_network,
    stats_network_pubkey, stats_network_kind, stats_gone_event, stats_gone_relay,
    stats_gone_sighting, stats_touched_relay;

  -- Counted events, and the events of counted sightings not counted themselves (a sighting
  -- stored by an older transaction than its event's).
  CREATE TEMP TABLE stats_fill_event ON COMMIT DROP AS
  SELECT id, pubkey, kind, created_at, true AS counted,
    CASE WHEN event_kind_class(kind) = 'addressable' THEN event_d_tag(tags, tagvalues) END AS d_tag
  FROM event WHERE stored_xid < w;
  INSERT INTO stats_fill_event
  SELECT e.id, e.pubkey, e.kind, e.created_at, false, NULL FROM event e
  WHERE e.stored_xid >= w
    AND EXISTS (SELECT 1 FROM event_relay er WHERE er.event_id = e.id AND er.stored_xid < w);
  CREATE INDEX ON stats_fill_event (id);
  ANALYZE stats_fill_event;

  INSERT INTO stats_pubkey (pubkey) SELECT DISTINCT pubkey FROM stats_fill_event ORDER BY 1;
  CREATE TEMP TABLE stats_fill_pubkey ON COMMIT DROP AS
  SELECT f.id, p.id AS pubkey_id, f.kind, f.created_at, f.counted
  FROM stats_fill_event f JOIN stats_pubkey p ON p.pubkey = f.pubkey;

  -- Event level.
  INSERT INTO stats_kind_pubkey (kind, pubkey_id, event_count)
  SELECT kind, pubkey_id, count(*) FROM stats_fill_pubkey WHERE counted GROUP BY 1, 2;
  INSERT INTO stats_day_pubkey (day, pubkey_id, event_count)
  SELECT (created_at / 86400)::integer, pubkey_id, count(*) FROM stats_fill_pubkey
  WHERE counted AND created_at BETWEEN 0 AND 253402300799 GROUP BY 1, 2;
  UPDATE stats_pubkey p SET event_count = a.n, unique_kinds = a.kinds, first_event_at = a.lo,
    last_event_at = a.hi
  FROM (SELECT pubkey_id, count(*) AS n, count(DISTINCT kind) AS kinds, min(created_at) AS lo,
          max(created_at) AS hi
        FROM stats_fill_pubkey WHERE counted GROUP BY 1) a
  WHERE p.id = a.pubkey_id;
  INSERT INTO stats_kind (kind, event_count, unique_pubkeys)
  SELECT kind, sum(event_count), count(*) FROM stats_kind_pubkey GROUP BY 1;
  INSERT INTO stats_day (day, event_count, unique_pubkeys)
  SELECT day, sum(event_count), count(*) FROM stats_day_pubkey GROUP BY 1;
  INSERT INTO stats_hour (hour, event_count)
  SELECT created_at / 3600, count(*) FROM stats_fill_event WHERE counted GROUP BY 1;
  INSERT INTO stats_event (unique_pubkeys, earliest_created_at, latest_created_at)
  SELECT (SELECT count(*) FROM stats_pubkey WHERE event_count > 0), min(created_at),
    max(created_at)
  FROM stats_fill_event WHERE counted;
  INSERT INTO events_replaceable_latest (id, pubkey, kind, created_at)
  SELECT DISTINCT ON (pubkey, kind) id, pubkey, kind, created_at FROM stats_fill_event
  WHERE counted AND event_kind_class(kind) = 'replaceable'
  ORDER BY pubkey, kind, created_at DESC, id;
  INSERT INTO events_addressable_latest (id, pubkey, kind, d_tag, created_at)
  SELECT DISTINCT ON (pubkey, kind, d_tag) id, pubkey, kind, d_tag, created_at
  FROM stats_fill_event WHERE counted AND d_tag IS NOT NULL
  ORDER BY pubkey, kind, d_tag, created_at DESC, id;

  -- Relay level: the (relay, pubkey, kind) sets, then their rollups.
  CREATE TEMP TABLE stats_fill_rpk ON COMMIT DROP AS
  SELECT er.relay_id, f.pubkey_id, f.kind, count(*) AS n, min(f.created_at) AS lo,
    max(f.created_at) AS hi
  FROM event_relay er JOIN stats_fill_pubkey f ON f.id = er.event_id
  WHERE er.stored_xid < w
  GROUP BY 1, 2, 3;
  INSERT INTO stats_relay_pubkey_kind (relay_id, pubkey_id, kind, event_count, first_event_at,
    last_event_at)
  SELECT relay_id, pubkey_id, kind, n, lo, hi FROM stats_fill_rpk;
  INSERT INTO stats_relay_kind (relay_id, kind, event_count, unique_pubkeys)
  SELECT relay_id, kind, sum(n), count(*) FROM stats_fill_rpk GROUP BY 1, 2;
  INSERT INTO stats_relay (relay_id, event_count, unique_pubkeys, unique_kinds, first_event_at,
    last_event_at)
  SELECT relay_id, sum(n), count(DISTINCT pubkey_id), count(DISTINCT kind), min(lo), max(hi)
  FROM stats_fill_rpk GROUP BY 1;

  -- Network level: the distinct events of each network, then their pubkeys and kinds.
  CREATE TEMP TABLE stats_fill_network ON COMMIT DROP AS
  SELECT DISTINCT er.event_id, r.network FROM event_relay er JOIN relay r ON r.id = er.relay_id
  WHERE er.stored_xid < w;
  INSERT INTO stats_network_pubkey (network, pubkey_id, event_count)
  SELECT ne.network, f.pubkey_id, count(*)
  FROM stats_fill_network ne JOIN stats_fill_pubkey f ON f.id = ne.event_id GROUP BY 1, 2;
  INSERT INTO stats_network_kind (network, kind, event_count)
  SELECT ne.network, f.kind, count(*)
  FROM stats_fill_network ne JOIN stats_fill_pubkey f ON f.id = ne.event_id GROUP BY 1, 2;
  INSERT INTO stats_network (network, event_count, unique_pubkeys, unique_kinds)
  SELECT network, count(*),
    (SELECT count(*) FROM stats_network_pubkey p WHERE p.network = ne.network),
    (SELECT count(*) FROM stats_network_kind k WHERE k.network = ne.network)
  FROM stats_fill_network ne GROUP BY network;

  -- Checks of every relay that has some.
  INSERT INTO stats_relay_check (relay_id, avg_rtt_open, avg_rtt_read, avg_rtt_write, nip11_name,
    nip11_software, nip11_version, nips)
  SELECT r.id, s.* FROM relay r CROSS JOIN LATERAL relay_check_summary(r.id) s
  WHERE EXISTS (SELECT 1 FROM relay_metadata rm WHERE rm.relay_id = r.id);

  INSERT INTO stats_progress (watermark) VALUES (w);
  RETURN w;
END $$;

-- TRUNCATE of an archive table (admin only) leaves nothing to subtract from: fill again.
CREATE FUNCTION stats_rebuild_after_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM statistics_rebuild();
  RETURN NULL;
END $$;
CREATE TRIGGER event_truncate_stats AFTER TRUNCATE ON event
  FOR EACH STATEMENT EXECUTE FUNCTION stats_rebuild_after_truncate();
CREATE TRIGGER event_relay_truncate_stats AFTER TRUNCATE ON event_relay
  FOR EACH STATEMENT EXECUTE FUNCTION stats_rebuild_after_truncate();
CREATE TRIGGER relay_truncate_stats AFTER TRUNCATE ON relay
  FOR EACH STATEMENT EXECUTE FUNCTION stats_rebuild_after_truncate();
CREATE TRIGGER relay_metadata_truncate_stats AFTER TRUNCATE ON relay_metadata
  FOR EACH STATEMENT EXECUTE FUNCTION stats_rebuild_after_truncate();

-- 7. Privileges (docs/database.md#roles) -------------------------------------------------------
-- The refresher writes the summary tables, drains the logs, and deletes old check history and
-- orphan events (which log, so it may insert into the logs). The writer only logs its deletes.

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'stats_progress', 'stats_event', 'stats_pubkey', 'stats_kind', 'stats_kind_pubkey',
    'stats_day', 'stats_day_pubkey', 'stats_hour', 'events_replaceable_latest',
    'events_addressable_latest', 'stats_relay', 'stats_relay_kind', 'stats_relay_pubkey_kind',
    'stats_relay_check', 'stats_network', 'stats_network_pubkey', 'stats_network_kind',
    'stats_orphan_candidate', 'stats_gone_event',
    'stats_gone_relay', 'stats_gone_sighting', 'stats_touched_relay'
  ] LOOP
    EXECUTE format('REVOKE INSERT, UPDATE, DELETE ON %I FROM bigbrotr_writer', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON %I TO bigbrotr_refresher', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY[
    'relay_metadata_latest', 'event_stats', 'kind_counts', 'kind_counts_by_relay',
    'pubkey_counts', 'pubkey_counts_by_relay', 'event_daily_counts', 'relay_stats',
    'network_stats', 'relay_software_counts', 'supported_nip_counts'
  ] LOOP
    EXECUTE format('REVOKE INSERT, UPDATE, DELETE ON %I FROM bigbrotr_writer', t);
  END LOOP;
END $$;
GRANT INSERT ON stats_gone_event, stats_gone_relay, stats_gone_sighting, stats_touched_relay
  TO bigbrotr_writer;
GRANT DELETE ON event, event_relay, relay_metadata TO bigbrotr_refresher;

-- 8. Fill once ---------------------------------------------------------------------------------

SELECT statistics_rebuild();
