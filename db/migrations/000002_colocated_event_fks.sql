-- Write path: check event_relay -> event partition by partition.
--
-- event and event_relay are hash-partitioned on the same bytea key with the same modulus, so
-- the event of an event_relay row always lives in the partition with the same remainder.
-- 000001 declared the foreign key on the partitioned parents; PostgreSQL then checks every
-- inserted event_relay row with a query against the partitioned event table, which opens
-- and locks all of its partitions and indexes each time (about 25 us of server CPU a row on
-- the reference machine, a third of the cost of archiving). The same constraint declared
-- between each pair of co-located partitions checks one plain table (about 5-8 us) and
-- enforces exactly the same rule, including ON DELETE CASCADE. See BENCHMARKS.md, "Database".

DO $$
DECLARE
  pair record;
BEGIN
  ALTER TABLE event_relay DROP CONSTRAINT event_relay_event_fk;
  FOR pair IN
    SELECT er.relname AS child, ev.relname AS parent
    FROM pg_inherits ier
    JOIN pg_class er ON er.oid = ier.inhrelid
    JOIN pg_inherits iev ON iev.inhparent = 'event'::regclass
    JOIN pg_class ev ON ev.oid = iev.inhrelid
    WHERE ier.inhparent = 'event_relay'::regclass
      AND pg_get_expr(er.relpartbound, er.oid) = pg_get_expr(ev.relpartbound, ev.oid)
    ORDER BY er.relname
  LOOP
    EXECUTE format(
      'ALTER TABLE %I ADD CONSTRAINT %I FOREIGN KEY (event_id) REFERENCES %I (id) ON DELETE CASCADE',
      pair.child, pair.child || '_event_fk', pair.parent);
  END LOOP;
  IF (SELECT count(*) FROM pg_constraint c JOIN pg_inherits i ON i.inhrelid = c.conrelid
      WHERE i.inhparent = 'event_relay'::regclass AND c.contype = 'f' AND c.conname LIKE '%\_event\_fk')
     <> (SELECT count(*) FROM pg_inherits WHERE inhparent = 'event'::regclass) THEN
    RAISE EXCEPTION 'event and event_relay partitions do not pair up';
  END IF;
END $$;
