-- Group roles and their privileges (docs/database.md#roles). Login users are created by
-- createLoginRoles() in src/core/db/roles.ts and only inherit from these groups.
--
--   bigbrotr_writer     SELECT/INSERT/UPDATE/DELETE on the tables, EXECUTE on the functions.
--                       No DDL, no TRUNCATE, no writes to schema_migrations/brotr_settings.
--   bigbrotr_reader     SELECT on tables and views. Nothing else.
--   bigbrotr_refresher  SELECT, plus the right to REFRESH the 13 statistics views: the MAINTAIN
--                       privilege on PostgreSQL 17+, ownership of the views before that.
--
-- Roles are cluster-wide while privileges are per database: every bigbrotr database on a
-- cluster shares these three groups, and a member has the same rights in each of them.
-- Host archives of different trust domains on different clusters.
--
-- Functions keep PostgreSQL's default EXECUTE for PUBLIC: they are all SECURITY INVOKER,
-- so calling one grants nothing beyond the caller's table privileges (a test asserts that no
-- SECURITY DEFINER function exists in schema public).
--
-- Run as a superuser: it creates roles, and on PostgreSQL 15-16 hands the views to
-- bigbrotr_refresher, which otherwise would need CREATE on the schema. Later migrations run
-- by the same role are covered by the default privileges at the end, except the refresh
-- right: a migration adding a materialized view grants it itself (docs/database.md).

DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['bigbrotr_writer', 'bigbrotr_reader', 'bigbrotr_refresher'] LOOP
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = r AND (rolcanlogin OR rolsuper)) THEN
      RAISE EXCEPTION 'role % already exists and can log in: bigbrotr needs it as a NOLOGIN group', r
        USING HINT = 'rename or drop that role, then migrate again';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN', r);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL; -- another database on this cluster created it at the same moment
      END;
    END IF;
  END LOOP;
END $$;

-- Nobody but the schema owner creates objects (already the default since PostgreSQL 15).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO bigbrotr_writer, bigbrotr_reader, bigbrotr_refresher;

GRANT SELECT ON ALL TABLES IN SCHEMA public
  TO bigbrotr_writer, bigbrotr_reader, bigbrotr_refresher;
GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO bigbrotr_writer;
REVOKE INSERT, UPDATE, DELETE ON schema_migrations, brotr_settings FROM bigbrotr_writer;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO bigbrotr_writer;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO bigbrotr_writer;

DO $$
DECLARE
  v text;
BEGIN
  FOREACH v IN ARRAY ARRAY[
    'relay_metadata_latest', 'event_stats', 'relay_stats', 'kind_counts',
    'kind_counts_by_relay', 'pubkey_counts', 'pubkey_counts_by_relay', 'network_stats',
    'event_daily_counts', 'events_replaceable_latest', 'events_addressable_latest',
    'relay_software_counts', 'supported_nip_counts'
  ] LOOP
    -- A materialized view cannot be written anyway; keep the ACL honest.
    EXECUTE format('REVOKE INSERT, UPDATE, DELETE ON %I FROM bigbrotr_writer', v);
    IF current_setting('server_version_num')::int >= 170000 THEN
      EXECUTE format('GRANT MAINTAIN ON %I TO bigbrotr_refresher', v);
    ELSE
      EXECUTE format('ALTER MATERIALIZED VIEW %I OWNER TO bigbrotr_refresher', v);
    END IF;
  END LOOP;
END $$;

-- Objects that later migrations (run by this same role) create in schema public.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT SELECT ON TABLES TO bigbrotr_writer, bigbrotr_reader, bigbrotr_refresher;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT INSERT, UPDATE, DELETE ON TABLES TO bigbrotr_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO bigbrotr_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT EXECUTE ON FUNCTIONS TO bigbrotr_writer;
