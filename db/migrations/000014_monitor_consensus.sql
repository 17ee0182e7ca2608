-- Other monitors' NIP-66 verdicts (issue 23, "many monitors, one honest verdict"). Assigned
-- number 000017; renumbered here only because the migrator refuses gaps.
--
-- Written by the monitor's peers phase (src/services/monitor/peers/) through one owner module
-- each: peer_verdict and peer_monitor in src/core/db/peer-verdicts.ts, peer_consensus in
-- src/core/db/peer-consensus.ts. Every row comes from an archived event, and the archive holds
-- only events whose signature the synchronizer verified: a verdict is attributed to the pubkey
-- that signed it, never to a claim inside it.

-- One 30166 of one monitor about one relay: "seen up at seen_at" with what it claimed. Bounded
-- by the writer: the newest N per (relay, monitor), at most M relays per monitor, retention.
CREATE TABLE peer_verdict (
  relay_url text NOT NULL CHECK (octet_length(relay_url) <= 2048),
  monitor bytea NOT NULL CHECK (octet_length(monitor) = 32),
  seen_at bigint NOT NULL,
  event_id bytea NOT NULL CHECK (octet_length(event_id) = 32),
  rtt_open integer,
  rtt_read integer,
  rtt_write integer,
  network text,
  nips integer[] NOT NULL DEFAULT '{}',
  requirements jsonb NOT NULL DEFAULT '{}',
  types text[] NOT NULL DEFAULT '{}',
  geohash text,
  PRIMARY KEY (relay_url, monitor, seen_at)
);
CREATE INDEX peer_verdict_monitor_idx ON peer_verdict (monitor, relay_url);
CREATE INDEX peer_verdict_seen_idx ON peer_verdict (seen_at);

-- One row per monitor pubkey ever seen: its newest 10166 (profile) and its measured
-- reliability (null until scored).
CREATE TABLE peer_monitor (
  monitor bytea PRIMARY KEY CHECK (octet_length(monitor) = 32),
  announced_at bigint,
  frequency integer,
  checks text[] NOT NULL DEFAULT '{}',
  timeouts jsonb NOT NULL DEFAULT '[]',
  networks text[] NOT NULL DEFAULT '{}',
  geohash text,
  last_verdict_at bigint,
  relays integer NOT NULL DEFAULT 0,
  rejected integer NOT NULL DEFAULT 0,
  consensus_agreement real,
  our_agreement real,
  freshness real,
  reliability real,
  scored_at bigint
);

-- Per relay: the consensus of the monitors with a recent verdict beside our own verdict.
CREATE TABLE peer_consensus (
  relay_url text PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('up', 'down', 'unknown')),
  monitors integer NOT NULL,
  monitors_up integer NOT NULL,
  up_weight real NOT NULL,
  down_weight real NOT NULL,
  median_rtt_open integer,
  outliers bytea[] NOT NULL DEFAULT '{}',
  our_state text CHECK (our_state IN ('up', 'down')),
  disagreement text CHECK (disagreement IN ('false_offline', 'false_online')),
  rechecked_at bigint,
  computed_at bigint NOT NULL
);
CREATE INDEX peer_consensus_state_idx ON peer_consensus (state);
