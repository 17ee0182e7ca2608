-- Alert subscriptions made at run time (issue 25; docs/alerts.md), beside those of monitor.yaml.
-- Owner: src/core/db/alert-subscriptions.ts, the one table the API writes (through that file
-- only; docs/architecture.md). `owner` is who made it: `key:<sha-256 of an API key>` (POST
-- /v1/alerts) or `nostr:<pubkey>` (a relay operator's `subscribe <relay url>` DM). Deliveries
-- and cool-downs name a subscription `sub:<id>`.
CREATE TABLE alert_subscription (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner text NOT NULL CHECK (length(owner) <= 200),
  sink text NOT NULL CHECK (sink IN ('webhook', 'dm')),
  -- webhook: where to POST and the HMAC secret (shown once, when it is made)
  url text CHECK (length(url) <= 2048),
  secret text CHECK (length(secret) <= 200),
  -- dm: the recipient (hex) and the relays its gift wraps go to
  pubkey text CHECK (pubkey ~ '^[0-9a-f]{64}$'),
  dm_relays text[] NOT NULL DEFAULT '{}' CHECK (cardinality(dm_relays) <= 10),
  -- only these relays' changes (empty: every relay; for a dm, every relay it operates)
  relays text[] NOT NULL DEFAULT '{}' CHECK (cardinality(relays) <= 1000),
  kinds text[] NOT NULL CHECK (cardinality(kinds) BETWEEN 1 AND 32),
  created_at bigint NOT NULL,
  CHECK (sink <> 'webhook' OR (url IS NOT NULL AND secret IS NOT NULL)),
  CHECK (sink <> 'dm' OR pubkey IS NOT NULL)
);
CREATE INDEX alert_subscription_owner_idx ON alert_subscription (owner, id);
-- A relay operator subscribes to each of its relays once (the command is idempotent).
CREATE UNIQUE INDEX alert_subscription_operator_idx ON alert_subscription (owner, (relays[1]))
  WHERE owner LIKE 'nostr:%';

-- The operator of a relay: the `pubkey` of its newest NIP-11 document that was fetched (null
-- when that document names none). A DM subscription is delivered only to its relay's operator.
CREATE FUNCTION relay_operator(for_relay integer) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT m.data -> 'data' ->> 'pubkey'
  FROM relay_metadata rm
  JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type
  WHERE rm.relay_id = $1 AND rm.metadata_type = 'nip11_info'
    AND m.data -> 'logs' ->> 'success' = 'true'
  ORDER BY rm.generated_at DESC
  LIMIT 1
$$;

-- The gift wraps (kind 1059) the monitor has read from its DM inbox, each processed once across
-- restarts and replicas: the row is the claim, written in the transaction that carries the
-- command out. Owner: src/core/db/alert-dm-commands.ts. `sender` (the verified seal author,
-- null when the wrap could not be opened) and `received_at` are the per-sender rate limit.
CREATE TABLE alert_dm_command (
  wrap_id text PRIMARY KEY CHECK (wrap_id ~ '^[0-9a-f]{64}$'),
  sender text CHECK (sender ~ '^[0-9a-f]{64}$'),
  received_at bigint NOT NULL,
  outcome text NOT NULL CHECK (length(outcome) <= 64)
);
CREATE INDEX alert_dm_command_sender_idx ON alert_dm_command (sender, received_at);
CREATE INDEX alert_dm_command_received_idx ON alert_dm_command (received_at);

-- The monitor writes both (writer, by the default privileges of 000004). The API (reader) makes,
-- lists and deletes subscriptions: its one write, on this one table.
GRANT INSERT, UPDATE, DELETE ON alert_subscription TO bigbrotr_reader;
GRANT USAGE ON SEQUENCE alert_subscription_id_seq TO bigbrotr_reader;
