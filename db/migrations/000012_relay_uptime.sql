-- Uptime rollup (docs/database.md, "Uptime"): per relay and UTC day, how many nip66_rtt checks
-- ran and how many found the relay up (relay_up), with both as running totals through each
-- hour of the day. The relay snapshot of the API (src/core/db/api/relay-summary.ts) computed its
-- 24 h / 7 d / 30 d uptime from every check of 30 days joined to its document: ~720 rows per
-- relay, 7 million at 10,000 relays, past the statement timeout already at 500. With the
-- rollup a window reads the relay's ≤ 31 day rows: whole days from their totals, the two
-- partial days from their running totals by hour, and the partial hours at each end (the
-- windows are exact to the second) from relay_metadata itself, usually no row.
--
-- * Kept by triggers on relay_metadata, in the transaction that writes the history: an insert
--   adds its new checks (a late or out-of-order check lands in its own day and hour), a delete
--   (retention, a relay or document deleted with its history) counts the days it touched
--   again from what is left, an update both. Triggers, because cascades and writers of an
--   older version still running would otherwise pass by.
-- * A day counted again first locks its row, then reads the history in a statement that
--   starts after the lock: a check committed meanwhile by another writer is either seen or
--   added by that writer's own trigger afterwards, never lost or counted twice.
-- * Rows are locked in (relay_id, day) order by every writer.
-- * Checks dated outside years 1970..9999 are left out (no UTC day); the API never asks.
-- * Retention: the rollup follows the history it counts (thinned days count what is kept).

CREATE TABLE relay_uptime (
  relay_id integer NOT NULL REFERENCES relay (id) ON DELETE CASCADE,
  -- UTC day of generated_at (days since 1970-01-01)
  day integer NOT NULL,
  checks integer NOT NULL CHECK (checks > 0),
  up integer NOT NULL CHECK (up >= 0 AND up <= checks),
  -- Running totals through each hour of the day: [h + 1] counts the checks of hours 0..h
  -- (UTC), so [24] = the day's; a part of the day is one subscript. Integers: up to 86,400
  -- checks a day (generated_at, in seconds, is part of relay_metadata's key).
  hour_checks integer[] NOT NULL CHECK (cardinality(hour_checks) = 24),
  hour_up integer[] NOT NULL CHECK (cardinality(hour_up) = 24),
  PRIMARY KEY (relay_id, day)
) WITH (fillfactor = 80);

-- ARRAY[f(0), …, f(23)] as SQL text, `f` a format() pattern with %1$s for the hour h and
-- %2$s for h + 1: the 24 hours written out, so no function runs per row.
CREATE FUNCTION uptime_hours_sql(f text) RETURNS text
LANGUAGE sql IMMUTABLE
RETURN 'ARRAY[' || (SELECT string_agg(format(f, h, h + 1), ', ' ORDER BY h)
                    FROM generate_series(0, 23) AS h) || ']::integer[]';

-- The rollup rows of the checks in `source` (rows of relay_metadata), one per (relay, day),
-- as SQL text. Shared by the backfill and the triggers.
CREATE FUNCTION uptime_rows_sql(source text) RETURNS text
LANGUAGE sql IMMUTABLE
RETURN format($f$
  SELECT relay_id, day, count(*)::integer AS checks, count(*) FILTER (WHERE up)::integer AS up,
    %s AS hour_checks, %s AS hour_up
  FROM (
    SELECT c.relay_id, (c.generated_at / 86400)::integer AS day,
      (c.generated_at %% 86400 / 3600)::integer AS hour, relay_up(m.data) AS up
    FROM %s c JOIN metadata m ON m.id = c.metadata_id AND m.type = c.metadata_type
    WHERE c.metadata_type = 'nip66_rtt' AND c.generated_at BETWEEN 0 AND 253402300799
  ) s
  GROUP BY relay_id, day$f$,
  uptime_hours_sql('count(*) FILTER (WHERE hour <= %1$s)'),
  uptime_hours_sql('count(*) FILTER (WHERE hour <= %1$s AND up)'), source);

-- Inserted checks: added to their days.
CREATE FUNCTION relay_uptime_added() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format($f$
    INSERT INTO relay_uptime AS t (relay_id, day, checks, up, hour_checks, hour_up)
    SELECT * FROM (%s) n ORDER BY relay_id, day
    ON CONFLICT (relay_id, day) DO UPDATE SET checks = t.checks + excluded.checks,
      up = t.up + excluded.up, hour_checks = %s, hour_up = %s$f$,
    uptime_rows_sql('added'),
    uptime_hours_sql('t.hour_checks[%2$s] + excluded.hour_checks[%2$s]'),
    uptime_hours_sql('t.hour_up[%2$s] + excluded.hour_up[%2$s]'));
  RETURN NULL;
END $$;

-- Deleted (or updated: bigbrotr never updates history) checks: their days counted again from
-- the history left.
CREATE FUNCTION relay_uptime_recount() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  days text := $s$SELECT relay_id, (generated_at / 86400)::integer AS day FROM gone
    WHERE metadata_type = 'nip66_rtt' AND generated_at BETWEEN 0 AND 253402300799$s$;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    days := days || ' UNION ' || replace(days, 'FROM gone', 'FROM added');
  ELSE
    days := replace(days, 'SELECT', 'SELECT DISTINCT');
  END IF;
  EXECUTE format($f$SELECT 1 FROM relay_uptime t JOIN (%s) d USING (relay_id, day)
    ORDER BY t.relay_id, t.day FOR UPDATE OF t$f$, days);
  -- A new statement: it sees whatever committed before the rows were locked.
  EXECUTE format($f$
    WITH days AS (%s),
    counted AS (%s),
    emptied AS (
      DELETE FROM relay_uptime t USING days d
      WHERE t.relay_id = d.relay_id AND t.day = d.day
        AND NOT EXISTS (SELECT 1 FROM counted c WHERE c.relay_id = d.relay_id AND c.day = d.day)
    )
    INSERT INTO relay_uptime AS t (relay_id, day, checks, up, hour_checks, hour_up)
    SELECT * FROM counted ORDER BY relay_id, day
    ON CONFLICT (relay_id, day) DO UPDATE SET checks = excluded.checks, up = excluded.up,
      hour_checks = excluded.hour_checks, hour_up = excluded.hour_up$f$,
    days,
    uptime_rows_sql($s$(SELECT rm.* FROM days d JOIN relay_metadata rm
      ON rm.relay_id = d.relay_id AND rm.metadata_type = 'nip66_rtt'
      AND rm.generated_at >= d.day::bigint * 86400
      AND rm.generated_at < (d.day + 1)::bigint * 86400)$s$));
  RETURN NULL;
END $$;

-- A TRUNCATE of relay (CASCADE) has emptied the rollup already, and holds it: left alone.
CREATE FUNCTION relay_uptime_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM relay_uptime) THEN
    TRUNCATE relay_uptime;
  END IF;
  RETURN NULL;
END $$;

-- Writers of an older version still running wait until the backfill has counted every row;
-- their later inserts pass through the triggers.
LOCK TABLE relay_metadata IN SHARE MODE;

CREATE TRIGGER relay_metadata_uptime_insert AFTER INSERT ON relay_metadata
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION relay_uptime_added();
CREATE TRIGGER relay_metadata_uptime_delete AFTER DELETE ON relay_metadata
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION relay_uptime_recount();
CREATE TRIGGER relay_metadata_uptime_update AFTER UPDATE ON relay_metadata
  REFERENCING OLD TABLE AS gone NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION relay_uptime_recount();
CREATE TRIGGER relay_metadata_uptime_truncate AFTER TRUNCATE ON relay_metadata
  FOR EACH STATEMENT EXECUTE FUNCTION relay_uptime_truncate();

DO $$
BEGIN
  EXECUTE format('INSERT INTO relay_uptime SELECT * FROM (%s) n ORDER BY relay_id, day',
    uptime_rows_sql('relay_metadata'));
END $$;

-- Whoever writes or deletes check history keeps the rollup: the monitor's writer and the
-- refresher's retention (its triggers run as the deleting role). Readers only read
-- (SELECT for every role comes from the default privileges of 000004).
GRANT INSERT, UPDATE, DELETE ON relay_uptime TO bigbrotr_writer;
GRANT INSERT, UPDATE, DELETE ON relay_uptime TO bigbrotr_refresher;
