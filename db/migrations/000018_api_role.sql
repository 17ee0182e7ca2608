-- The API's own group role (docs/database.md#roles): what bigbrotr_reader reads, plus the
-- API's one write, alert subscriptions (000016 had given that write to bigbrotr_reader, so
-- every reader login — postgres-exporter, the relay, a researcher's account — could write
-- it). Cluster-wide like the groups of 000004; privileges are per database.
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'bigbrotr_api' AND (rolcanlogin OR rolsuper)) THEN
    RAISE EXCEPTION 'role bigbrotr_api already exists and can log in: bigbrotr needs it as a NOLOGIN group'
      USING HINT = 'rename or drop that role, then migrate again';
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bigbrotr_api') THEN
    BEGIN
      CREATE ROLE bigbrotr_api NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- another database on this cluster created it at the same moment
    END;
  END IF;
  IF NOT pg_has_role('bigbrotr_api', 'bigbrotr_reader', 'MEMBER') THEN
    BEGIN
      GRANT bigbrotr_reader TO bigbrotr_api;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
END $$;

GRANT USAGE ON SCHEMA public TO bigbrotr_api;
REVOKE INSERT, UPDATE, DELETE ON alert_subscription FROM bigbrotr_reader;
REVOKE USAGE ON SEQUENCE alert_subscription_id_seq FROM bigbrotr_reader;
GRANT INSERT, UPDATE, DELETE ON alert_subscription TO bigbrotr_api;
GRANT USAGE ON SEQUENCE alert_subscription_id_seq TO bigbrotr_api;
