-- Core tables of the archive. Runs on PostgreSQL 15 through 18.
-- The migrator sets two transaction-local settings read here:
--   bigbrotr.profile     'bigbrotr' (whole events) or 'lilbrotr' (no tags, content, sig)
--   bigbrotr.partitions  number of hash partitions of event and event_relay (1..256)
-- Both are recorded in brotr_settings and never change afterwards.

DO $$
DECLARE
  profile text := current_setting('bigbrotr.profile');
  partitions int := current_setting('bigbrotr.partitions')::int;
BEGIN
  IF profile NOT IN ('bigbrotr', 'lilbrotr') THEN
    RAISE EXCEPTION 'unknown profile %', profile;
  END IF;
  IF partitions < 1 OR partitions > 256 THEN
    RAISE EXCEPTION 'partitions must be between 1 and 256, got %', partitions;
  END IF;
END $$;

CREATE TABLE brotr_settings (
  key text PRIMARY KEY,
  value text NOT NULL
);
INSERT INTO brotr_settings (key, value) VALUES
  ('profile', current_setting('bigbrotr.profile')),
  ('partitions', current_setting('bigbrotr.partitions'));

-- Validated relays. discovered_at is when the URL was first seen anywhere (carried over
-- from its candidate), not when it was promoted.
CREATE TABLE relay (
  url text PRIMARY KEY CHECK (length(url) <= 2048),
  network text NOT NULL CHECK (network IN ('clearnet', 'tor', 'i2p', 'loki')),
  discovered_at bigint NOT NULL
);
CREATE INDEX relay_network_idx ON relay (network);

-- Single-letter tags, flattened to 'name:value' for the GIN index. Values longer than
-- 1024 bytes are left out of the index only (a GIN entry is limited to ~2.7 kB); the event
-- itself is stored whole. Must agree with tagValues() in src/models/event.ts.
CREATE FUNCTION tags_to_tagvalues(tags jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
  SELECT coalesce(array_agg(DISTINCT v ORDER BY v), '{}')
  FROM (
    SELECT (t ->> 0) || ':' || (t ->> 1) AS v
    FROM jsonb_array_elements(tags) AS t
    WHERE jsonb_typeof(t) = 'array'
      AND length(t ->> 0) = 1
      AND t ->> 1 IS NOT NULL
      AND octet_length(t ->> 1) <= 1024
  ) s
$$;

DO $$
DECLARE
  lil boolean := current_setting('bigbrotr.profile') = 'lilbrotr';
  partitions int := current_setting('bigbrotr.partitions')::int;
  payload text;
BEGIN
  IF lil THEN
    payload := 'tags jsonb, content text, sig bytea,
      CONSTRAINT event_lil_payload_null CHECK (tags IS NULL AND content IS NULL AND sig IS NULL)';
  ELSE
    payload := 'tags jsonb NOT NULL, content text NOT NULL,
      sig bytea NOT NULL CHECK (octet_length(sig) = 64)';
  END IF;

  EXECUTE format($f$
    CREATE TABLE event (
      id bytea NOT NULL CHECK (octet_length(id) = 32),
      pubkey bytea NOT NULL CHECK (octet_length(pubkey) = 32),
      created_at bigint NOT NULL,
      kind integer NOT NULL CHECK (kind BETWEEN 0 AND 65535),
      tagvalues text[] NOT NULL,
      %s,
      PRIMARY KEY (id)
    ) PARTITION BY HASH (id)$f$, payload);

  CREATE TABLE event_relay (
    event_id bytea NOT NULL,
    relay_url text NOT NULL,
    seen_at bigint NOT NULL,
    PRIMARY KEY (event_id, relay_url)
  ) PARTITION BY HASH (event_id);

  FOR i IN 0 .. partitions - 1 LOOP
    EXECUTE format(
      'CREATE TABLE event_p%s PARTITION OF event FOR VALUES WITH (MODULUS %s, REMAINDER %s)',
      i, partitions, i);
    EXECUTE format(
      'CREATE TABLE event_relay_p%s PARTITION OF event_relay FOR VALUES WITH (MODULUS %s, REMAINDER %s)',
      i, partitions, i);
    EXECUTE format(
      'ALTER TABLE event_relay_p%s SET (autovacuum_vacuum_scale_factor = 0.02,
         autovacuum_vacuum_threshold = 10000, autovacuum_analyze_scale_factor = 0.01)', i);
  END LOOP;
END $$;

ALTER TABLE event_relay
  ADD CONSTRAINT event_relay_event_fk FOREIGN KEY (event_id) REFERENCES event (id) ON DELETE CASCADE,
  ADD CONSTRAINT event_relay_relay_fk FOREIGN KEY (relay_url) REFERENCES relay (url) ON DELETE CASCADE;

CREATE INDEX event_created_at_idx ON event (created_at DESC, id DESC);
CREATE INDEX event_kind_created_at_idx ON event (kind, created_at DESC);
CREATE INDEX event_pubkey_created_at_idx ON event (pubkey, created_at DESC);
CREATE INDEX event_pubkey_kind_created_at_idx ON event (pubkey, kind, created_at DESC);
CREATE INDEX event_tagvalues_idx ON event USING gin (tagvalues);

CREATE INDEX event_relay_seen_at_idx ON event_relay (seen_at DESC);
CREATE INDEX event_relay_relay_seen_idx ON event_relay (relay_url, seen_at, event_id);

-- Content-addressed check documents: id = SHA-256 of the canonical JSON (docs/canonical-json.md).
CREATE TABLE metadata (
  id bytea NOT NULL CHECK (octet_length(id) = 32),
  type text NOT NULL CHECK (type IN ('nip11_info', 'nip66_rtt', 'nip66_ssl', 'nip66_geo',
                                     'nip66_net', 'nip66_dns', 'nip66_http')),
  data jsonb NOT NULL,
  PRIMARY KEY (id, type)
);

-- One row per check snapshot of a relay.
CREATE TABLE relay_metadata (
  relay_url text NOT NULL REFERENCES relay (url) ON DELETE CASCADE,
  metadata_id bytea NOT NULL,
  metadata_type text NOT NULL,
  generated_at bigint NOT NULL,
  PRIMARY KEY (relay_url, generated_at, metadata_type),
  FOREIGN KEY (metadata_id, metadata_type) REFERENCES metadata (id, type) ON DELETE CASCADE
);
CREATE INDEX relay_metadata_generated_at_idx ON relay_metadata (generated_at DESC);
CREATE INDEX relay_metadata_metadata_idx ON relay_metadata (metadata_id, metadata_type);
CREATE INDEX relay_metadata_latest_idx ON relay_metadata (relay_url, metadata_type, generated_at DESC);

-- Per-service progress: candidates, cursors, checkpoints.
CREATE TABLE service_state (
  service_name text NOT NULL,
  state_type text NOT NULL CHECK (state_type IN ('checkpoint', 'cursor', 'candidate')),
  state_key text NOT NULL,
  state_value jsonb NOT NULL DEFAULT '{}',
  updated_at bigint NOT NULL DEFAULT extract(epoch FROM now())::bigint,
  PRIMARY KEY (service_name, state_type, state_key)
);
CREATE INDEX service_state_candidate_network_idx ON service_state ((state_value ->> 'network'))
  WHERE state_type = 'candidate';

-- LZ4 for the large payload columns where the server was built with it (Debian's is; some
-- portable builds are not, and then the default pglz stays).
DO $$
BEGIN
  IF current_setting('bigbrotr.profile') = 'bigbrotr' THEN
    ALTER TABLE event ALTER COLUMN content SET COMPRESSION lz4, ALTER COLUMN tags SET COMPRESSION lz4;
  END IF;
  ALTER TABLE metadata ALTER COLUMN data SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  RAISE NOTICE 'lz4 not available: keeping pglz';
END $$;
