-- NIP-90 jobs of `bigbrotr dvm` (issue 24, part 2; docs/dvm.md). One row per job request,
-- written only through src/core/db/dvm-jobs.ts. The row is the claim: a replica inserts it
-- (ON CONFLICT DO NOTHING) before any work, so each request is worked on once across
-- restarts and replicas; the signed result is kept so that a request seen again is answered
-- by publishing the same event, never by computing it again. A claim whose holder died is
-- taken over after the service's claim timeout.
CREATE TABLE dvm_job (
  request_id bytea PRIMARY KEY CHECK (octet_length(request_id) = 32),
  kind integer NOT NULL CHECK (kind BETWEEN 5000 AND 5999),
  requester bytea NOT NULL CHECK (octet_length(requester) = 32),
  -- The request's created_at: the newest one is where the subscription resumes after downtime.
  created_at bigint NOT NULL,
  -- 'claimed' (being worked on), 'done' (result kept), 'failed' (error feedback kept),
  -- 'awaiting_payment' (priced: the result is kept, unpublished, until a zap receipt pays it).
  status text NOT NULL CHECK (status IN ('claimed', 'done', 'failed', 'awaiting_payment')),
  holder text NOT NULL CHECK (length(holder) <= 200),
  claimed_at bigint NOT NULL,
  finished_at bigint,
  -- The signed 6xxx result or 7000 error feedback, as published (or to be, once paid).
  response jsonb,
  CHECK ((status = 'claimed') = (response IS NULL))
);
-- The per-pubkey rate limit counts a requester's recent claims.
CREATE INDEX dvm_job_requester_idx ON dvm_job (requester, claimed_at);
CREATE INDEX dvm_job_created_at_idx ON dvm_job (created_at);
-- Retention deletes by age.
CREATE INDEX dvm_job_claimed_at_idx ON dvm_job (claimed_at);
