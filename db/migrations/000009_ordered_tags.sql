-- Ordered tag index (docs/database.md, "Reads and their indexes").
--
-- A page of events with a tag (`/v1/events?#p=…`) went through the GIN index on
-- event.tagvalues, which finds every event with the value and sorts all of them for a page
-- of 50: a pubkey named by many follow lists made a page cost seconds. event_tag holds one
-- row per entry of tagvalues ('x:value'), keyed (tag, created_at, event_id): a page is a
-- backward range scan of one tag's rows that stops after `limit`, each row probing its event
-- in the one hash partition holding it.
--
-- * tag = hashtextextended('x:value', 0): 8 bytes instead of up to 1,026 (the same hash hash
--   partitioning uses, so it is stable across PostgreSQL versions). Two values may share a
--   hash; readers recheck event.tagvalues, so a collision costs a probe, never a wrong answer.
-- * Written by the event owner (src/core/db/events.ts) in the statement that inserts the
--   event, from the tagvalues it inserts (both profiles keep tagvalues; lilbrotr nothing else).
-- * Deleted with its event by the AFTER DELETE statement trigger below (through the same
--   transition table as the sightings), and truncated with it.
-- * It replaces the GIN index, which no read uses any more.

-- Writers of an older version still running would add events without their rows: they wait
-- until this transaction has filled the table from every event.
LOCK TABLE event IN SHARE MODE;

CREATE TABLE event_tag (
  tag bigint NOT NULL,
  created_at bigint NOT NULL,
  event_id bytea NOT NULL
);

INSERT INTO event_tag (tag, created_at, event_id)
SELECT DISTINCT hashtextextended(v, 0), e.created_at, e.id
FROM event e CROSS JOIN unnest(e.tagvalues) AS v;

ALTER TABLE event_tag ADD CONSTRAINT event_tag_pkey PRIMARY KEY (tag, created_at, event_id);
ALTER TABLE event_tag SET (autovacuum_vacuum_scale_factor = 0.02,
  autovacuum_analyze_scale_factor = 0.01);

DROP INDEX event_tagvalues_idx;

CREATE FUNCTION event_delete_tags() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM event_tag t
  USING (SELECT DISTINCT hashtextextended(v, 0) AS tag, g.created_at, g.id
         FROM gone g CROSS JOIN unnest(g.tagvalues) AS v) d
  WHERE t.tag = d.tag AND t.created_at = d.created_at AND t.event_id = d.id;
  RETURN NULL;
END $$;

CREATE FUNCTION truncate_event_tags() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE event_tag;
  RETURN NULL;
END $$;

CREATE TRIGGER event_delete_tags AFTER DELETE ON event
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION event_delete_tags();
CREATE TRIGGER event_truncate_tags AFTER TRUNCATE ON event
  FOR EACH STATEMENT EXECUTE FUNCTION truncate_event_tags();

GRANT SELECT ON event_tag TO bigbrotr_writer, bigbrotr_reader, bigbrotr_refresher;
GRANT INSERT, UPDATE, DELETE ON event_tag TO bigbrotr_writer;
-- The refresher deletes orphan events (000008): this trigger deletes their rows as that role.
GRANT DELETE ON event_tag TO bigbrotr_refresher;
