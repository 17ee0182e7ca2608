-- The 13 statistics materialized views (docs/database.md#statistics-views).
--
-- * Created WITH NO DATA: the migration stays instant whatever the size of the archive, and
--   the first refresh populates them. Reading a view before that fails with SQLSTATE 55000;
--   refreshView() in src/core/db/views.ts falls back to a plain REFRESH for an unpopulated
--   view (CONCURRENTLY refuses one) and uses CONCURRENTLY afterwards.
-- * Each view has the unique index REFRESH ... CONCURRENTLY needs (named <view>_key).
-- * Refresh order (STATISTICS_VIEWS in views.ts): relay_metadata_latest first; then the event
--   and relay views (relay_stats reads relay_metadata_latest); relay_software_counts and
--   supported_nip_counts last (they read relay_metadata_latest).
-- * Rolling windows use the refresh time: a window of w seconds is [now - w, now], so events
--   dated in the future are in no window.
-- * Both profiles get the same views; only events_addressable_latest.d_tag is computed
--   differently, because lilbrotr keeps tagvalues but not tags (section 6).
-- * Values that could overflow an index entry or a cast are bounded (d_tag <= 1024 bytes,
--   software/version <= 256 characters, nips <= 9 digits, days within years 1970..9999), so
--   no single hostile event or NIP-11 document can make a refresh fail.

-- 1. Helpers -------------------------------------------------------------------------------

-- NIP-01 class of a kind. SQL-standard body: parsed once, immune to search_path.
CREATE FUNCTION event_kind_class(kind integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN CASE
    WHEN kind IN (1, 2) OR kind BETWEEN 4 AND 44 OR kind BETWEEN 1000 AND 9999 THEN 'regular'
    WHEN kind IN (0, 3) OR kind BETWEEN 10000 AND 19999 THEN 'replaceable'
    WHEN kind BETWEEN 20000 AND 29999 THEN 'ephemeral'
    WHEN kind BETWEEN 30000 AND 39999 THEN 'addressable'
    ELSE 'other'
  END;

-- 2. Latest check per relay and type ------------------------------------------------------

-- generated_at is part of relay_metadata's primary key, so the newest row is unique.
CREATE MATERIALIZED VIEW relay_metadata_latest AS
SELECT DISTINCT ON (rm.relay_url, rm.metadata_type)
  rm.relay_url, rm.metadata_type, rm.generated_at, rm.metadata_id, m.data
FROM relay_metadata rm
JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type
ORDER BY rm.relay_url, rm.metadata_type, rm.generated_at DESC
WITH NO DATA;
CREATE UNIQUE INDEX relay_metadata_latest_key ON relay_metadata_latest (relay_url, metadata_type);
CREATE INDEX relay_metadata_latest_type_idx ON relay_metadata_latest (metadata_type);

-- 3. Event views ----------------------------------------------------------------------------

-- One row. events_per_day is the average over the last 30 days (robust to bogus created_at).
CREATE MATERIALIZED VIEW event_stats AS
SELECT 1 AS singleton_key, t.now AS refreshed_at, s.*,
  round(s.count_30d / 30.0, 2)::double precision AS events_per_day
FROM (SELECT floor(extract(epoch FROM now()))::bigint AS now) t
CROSS JOIN LATERAL (
  SELECT
    count(*) AS event_count,
    count(DISTINCT e.pubkey) AS unique_pubkeys,
    count(DISTINCT e.kind) AS unique_kinds,
    min(e.created_at) AS earliest_created_at,
    max(e.created_at) AS latest_created_at,
    count(*) FILTER (WHERE event_kind_class(e.kind) = 'regular') AS regular_count,
    count(*) FILTER (WHERE event_kind_class(e.kind) = 'replaceable') AS replaceable_count,
    count(*) FILTER (WHERE event_kind_class(e.kind) = 'ephemeral') AS ephemeral_count,
    count(*) FILTER (WHERE event_kind_class(e.kind) = 'addressable') AS addressable_count,
    count(*) FILTER (WHERE event_kind_class(e.kind) = 'other') AS other_count,
    count(*) FILTER (WHERE e.created_at BETWEEN t.now - 3600 AND t.now) AS count_1h,
    count(*) FILTER (WHERE e.created_at BETWEEN t.now - 86400 AND t.now) AS count_24h,
    count(*) FILTER (WHERE e.created_at BETWEEN t.now - 7 * 86400 AND t.now) AS count_7d,
    count(*) FILTER (WHERE e.created_at BETWEEN t.now - 30 * 86400 AND t.now) AS count_30d
  FROM event e
) s
WITH NO DATA;
CREATE UNIQUE INDEX event_stats_key ON event_stats (singleton_key);

CREATE MATERIALIZED VIEW kind_counts AS
SELECT kind, count(*) AS event_count, count(DISTINCT pubkey) AS unique_pubkeys,
  event_kind_class(kind) AS category
FROM event
GROUP BY kind
WITH NO DATA;
CREATE UNIQUE INDEX kind_counts_key ON kind_counts (kind);

CREATE MATERIALIZED VIEW kind_counts_by_relay AS
SELECT e.kind, er.relay_url, count(*) AS event_count, count(DISTINCT e.pubkey) AS unique_pubkeys
FROM event_relay er
JOIN event e ON e.id = er.event_id
GROUP BY e.kind, er.relay_url
WITH NO DATA;
CREATE UNIQUE INDEX kind_counts_by_relay_key ON kind_counts_by_relay (kind, relay_url);
CREATE INDEX kind_counts_by_relay_relay_idx ON kind_counts_by_relay (relay_url);

-- pubkey as lowercase hex, as the API shows it.
CREATE MATERIALIZED VIEW pubkey_counts AS
SELECT encode(pubkey, 'hex') AS pubkey, count(*) AS event_count,
  count(DISTINCT kind) AS unique_kinds,
  min(created_at) AS first_event_at, max(created_at) AS last_event_at
FROM event
GROUP BY event.pubkey
WITH NO DATA;
CREATE UNIQUE INDEX pubkey_counts_key ON pubkey_counts (pubkey);

-- Only pairs with at least two events: the long tail of one-offs would dwarf the rest.
CREATE MATERIALIZED VIEW pubkey_counts_by_relay AS
SELECT encode(e.pubkey, 'hex') AS pubkey, er.relay_url, count(*) AS event_count,
  count(DISTINCT e.kind) AS unique_kinds,
  min(e.created_at) AS first_event_at, max(e.created_at) AS last_event_at
FROM event_relay er
JOIN event e ON e.id = er.event_id
GROUP BY e.pubkey, er.relay_url
HAVING count(*) >= 2
WITH NO DATA;
CREATE UNIQUE INDEX pubkey_counts_by_relay_key ON pubkey_counts_by_relay (pubkey, relay_url);
CREATE INDEX pubkey_counts_by_relay_relay_idx ON pubkey_counts_by_relay (relay_url);

-- UTC day of created_at; events dated before 1970 or after 9999 are left out.
CREATE MATERIALIZED VIEW event_daily_counts AS
SELECT date '1970-01-01' + (created_at / 86400)::integer AS day,
  count(*) AS event_count, count(DISTINCT pubkey) AS unique_pubkeys
FROM event
WHERE created_at BETWEEN 0 AND 253402300799
GROUP BY 1
WITH NO DATA;
CREATE UNIQUE INDEX event_daily_counts_key ON event_daily_counts (day);

-- 4. Relay and network views ---------------------------------------------------------------

-- Every relay, with or without events. RTT averages cover the relay's 10 newest nip66_rtt
-- snapshots; a snapshot without a numeric value for a field (failed probe) is not averaged.
-- NIP-11 fields come from the newest nip11_info row (relay_metadata_latest).
CREATE MATERIALIZED VIEW relay_stats AS
WITH events AS (
  SELECT er.relay_url, count(*) AS event_count, count(DISTINCT e.pubkey) AS unique_pubkeys,
    count(DISTINCT e.kind) AS unique_kinds,
    min(e.created_at) AS first_event_at, max(e.created_at) AS last_event_at
  FROM event_relay er
  JOIN event e ON e.id = er.event_id
  GROUP BY er.relay_url
), rtt_snapshots AS (
  SELECT rm.relay_url, m.data -> 'data' AS d,
    row_number() OVER (PARTITION BY rm.relay_url ORDER BY rm.generated_at DESC) AS n
  FROM relay_metadata rm
  JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type
  WHERE rm.metadata_type = 'nip66_rtt'
), rtt AS (
  SELECT relay_url,
    round(avg(CASE WHEN jsonb_typeof(d -> 'rtt_open') = 'number'
      THEN (d ->> 'rtt_open')::numeric END), 2)::double precision AS avg_rtt_open,
    round(avg(CASE WHEN jsonb_typeof(d -> 'rtt_read') = 'number'
      THEN (d ->> 'rtt_read')::numeric END), 2)::double precision AS avg_rtt_read,
    round(avg(CASE WHEN jsonb_typeof(d -> 'rtt_write') = 'number'
      THEN (d ->> 'rtt_write')::numeric END), 2)::double precision AS avg_rtt_write
  FROM rtt_snapshots
  WHERE n <= 10
  GROUP BY relay_url
), nip11 AS (
  SELECT relay_url, data -> 'data' AS d
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
LEFT JOIN events ev ON ev.relay_url = r.url
LEFT JOIN rtt ON rtt.relay_url = r.url
LEFT JOIN nip11 n ON n.relay_url = r.url
WITH NO DATA;
CREATE UNIQUE INDEX relay_stats_key ON relay_stats (relay_url);
CREATE INDEX relay_stats_network_idx ON relay_stats (network);

-- One row per network that has relays. An event seen on several relays of one network
-- counts once for that network (the original summed per relay and counted it repeatedly).
CREATE MATERIALIZED VIEW network_stats AS
WITH relays AS (
  SELECT network, count(*) AS relay_count FROM relay GROUP BY network
), network_events AS (
  SELECT DISTINCT r.network, er.event_id
  FROM event_relay er
  JOIN relay r ON r.url = er.relay_url
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
LEFT JOIN events e ON e.network = r.network
WITH NO DATA;
CREATE UNIQUE INDEX network_stats_key ON network_stats (network);

-- 5. NIP-11 views (read relay_metadata_latest: refresh after it) ---------------------------

-- Relays whose newest NIP-11 document names a software; a missing or empty version is
-- 'unknown'. Both are cut to 256 characters so the unique index cannot overflow.
CREATE MATERIALIZED VIEW relay_software_counts AS
SELECT software, version, count(*) AS relay_count
FROM (
  SELECT left(nullif(btrim(data -> 'data' ->> 'software'), ''), 256) AS software,
    left(coalesce(nullif(btrim(data -> 'data' ->> 'version'), ''), 'unknown'), 256) AS version
  FROM relay_metadata_latest
  WHERE metadata_type = 'nip11_info'
) s
WHERE software IS NOT NULL
GROUP BY software, version
WITH NO DATA;
CREATE UNIQUE INDEX relay_software_counts_key ON relay_software_counts (software, version);

-- supported_nips entries that are non-negative integers (JSON numbers or digit strings, up to
-- 9 digits); anything else is ignored, and a relay listing a NIP twice counts once.
CREATE MATERIALIZED VIEW supported_nip_counts AS
SELECT nip, count(DISTINCT relay_url) AS relay_count
FROM (
  SELECT l.relay_url,
    CASE WHEN jsonb_typeof(x.value) IN ('number', 'string') AND x.value #>> '{}' ~ '^[0-9]{1,9}$'
      THEN (x.value #>> '{}')::integer END AS nip
  FROM relay_metadata_latest l
  CROSS JOIN LATERAL jsonb_array_elements(
    CASE WHEN jsonb_typeof(l.data -> 'data' -> 'supported_nips') = 'array'
      THEN l.data -> 'data' -> 'supported_nips' ELSE '[]'::jsonb END) AS x(value)
  WHERE l.metadata_type = 'nip11_info'
) s
WHERE nip IS NOT NULL
GROUP BY nip
WITH NO DATA;
CREATE UNIQUE INDEX supported_nip_counts_key ON supported_nip_counts (nip);

-- 6. Latest replaceable and addressable events ----------------------------------------------

-- NIP-01: for equal created_at the lowest id wins. Keys only; join event on id for the rest.
CREATE MATERIALIZED VIEW events_replaceable_latest AS
SELECT DISTINCT ON (pubkey, kind) id, pubkey, kind, created_at
FROM event
WHERE kind IN (0, 3) OR kind BETWEEN 10000 AND 19999
ORDER BY pubkey, kind, created_at DESC, id
WITH NO DATA;
CREATE UNIQUE INDEX events_replaceable_latest_key ON events_replaceable_latest (pubkey, kind);
CREATE INDEX events_replaceable_latest_kind_idx ON events_replaceable_latest (kind);

-- d_tag, '' when absent (NIP-01):
--   bigbrotr: the value of the first d tag; '' if that tag has no value or a value over 1024
--             bytes (the same cap as tagvalues, which also keeps the unique index safe).
--   lilbrotr: tags is NULL, so the d values come from tagvalues ('d:<value>'). Their order is
--             lost, so when an event has several d tags the lowest value in byte order
--             (COLLATE "C") is taken, which can differ from bigbrotr's first d tag. Values
--             over 1024 bytes are not in tagvalues: an event with only such a d tag gets ''.
DO $$
DECLARE
  d_tag text;
BEGIN
  IF (SELECT value FROM brotr_settings WHERE key = 'profile') = 'lilbrotr' THEN
    d_tag := $q$(SELECT min(substr(v, 3) COLLATE "C") FROM unnest(e.tagvalues) AS v
                 WHERE left(v, 2) = 'd:')$q$;
  ELSE
    d_tag := $q$(SELECT CASE WHEN octet_length(t ->> 1) <= 1024 THEN t ->> 1 END
                 FROM jsonb_array_elements(e.tags) WITH ORDINALITY AS x(t, i)
                 WHERE t ->> 0 = 'd' ORDER BY i LIMIT 1)$q$;
  END IF;
  EXECUTE format($v$
    CREATE MATERIALIZED VIEW events_addressable_latest AS
    SELECT DISTINCT ON (pubkey, kind, d_tag) id, pubkey, kind, d_tag, created_at
    FROM (
      SELECT e.id, e.pubkey, e.kind, e.created_at, coalesce(%s, '') AS d_tag
      FROM event e
      WHERE e.kind BETWEEN 30000 AND 39999
    ) s
    ORDER BY pubkey, kind, d_tag, created_at DESC, id
    WITH NO DATA$v$, d_tag);
END $$;
CREATE UNIQUE INDEX events_addressable_latest_key
  ON events_addressable_latest (pubkey, kind, d_tag);
CREATE INDEX events_addressable_latest_kind_idx ON events_addressable_latest (kind);
