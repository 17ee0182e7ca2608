-- Coverage: how much of each relay we hold (issue 23, part 2).
--
-- One row per measurement, written by the synchronizer at the end of a relay's sync through
-- its one owner module, src/core/db/relay-coverage.ts; kept as history and pruned after the
-- synchronizer's coverage retention. A number is stored only when the relay gave one:
--   count       the relay's NIP-45 COUNT for our sync filter over [since, until] against
--               the events we hold of it for the same filter and window (clamped windows
--               when its count is capped; approximate/hll answers stored as estimates);
--   negentropy  the NIP-77 reconciliation of this cycle's windows: what the relay listed
--               that we lacked (neg_need) and what we hold that it lacks (neg_have);
--   unknown     neither: relay_count is null and reason says why.
CREATE TABLE relay_coverage (
  relay_url text NOT NULL CHECK (octet_length(relay_url) <= 2048),
  measured_at bigint NOT NULL,
  method text NOT NULL CHECK (method IN ('count', 'negentropy', 'unknown')),
  since bigint NOT NULL,
  until bigint NOT NULL,
  -- events of this relay we hold (sighted there) for the filter in [since, until]
  held bigint NOT NULL CHECK (held >= 0),
  -- what the relay says it has for the same filter and window; null when unknown
  relay_count bigint CHECK (relay_count >= 0),
  -- held / relay_count (at most 1); null when unknown or not believable (flag)
  coverage real CHECK (coverage >= 0 AND coverage <= 1),
  -- the relay's count is an estimate (approximate answer) or only a lower bound (capped)
  approximate boolean NOT NULL DEFAULT false,
  lower_bound boolean NOT NULL DEFAULT false,
  count_requests integer NOT NULL DEFAULT 0,
  -- NIP-45 hll: the relay's estimate of distinct authors, its relative standard error, and
  -- the distinct authors of what we hold (exact)
  hll_authors integer,
  hll_error real,
  authors_held integer,
  neg_need integer,
  neg_have integer,
  neg_unfetched integer,
  -- undercount: the relay counts fewer than we already hold from it (a lie or a count of
  -- something else); ignores_bounds: its count ignores since/until
  flag text CHECK (flag IN ('undercount', 'ignores_bounds')),
  reason text CHECK (octet_length(reason) <= 1000),
  PRIMARY KEY (relay_url, measured_at)
);
CREATE INDEX relay_coverage_measured_idx ON relay_coverage (measured_at);

GRANT SELECT ON relay_coverage TO bigbrotr_writer, bigbrotr_reader, bigbrotr_refresher;
GRANT INSERT, UPDATE, DELETE ON relay_coverage TO bigbrotr_writer;
