-- Runs once, when the postgres container creates an empty cluster (docker-entrypoint-initdb.d),
-- as the admin superuser in the deployment's database (POSTGRES_DB). The schema itself comes from
-- `bigbrotr migrate` (the compose `init` service), not from here.

-- Query statistics for tuning (shared_preload_libraries is set on the command line).
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;

-- postgres-exporter logs in as `reader`. Give the reader group pg_monitor before the
-- migrations create it (000004 keeps an existing NOLOGIN group as it is), so the exporter can
-- read every backend's state and the server's statistics. On a cluster created before this
-- file existed, run the GRANT by hand once.
CREATE ROLE bigbrotr_reader NOLOGIN;
GRANT pg_monitor TO bigbrotr_reader;
