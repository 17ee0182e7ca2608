-- Relay changes (docs/changes.md): what the monitor saw change in a relay's check results
-- (down, up, NIP-11 fields, supported NIPs, certificate, RTT, write probe) and the relays the
-- validator added. Owner: src/core/db/relay-changes.ts.
--
-- relay_change holds each change once: the key (relay_id, kind, checked_at) names the check
-- whose result is the evidence, so a batch written twice, or two monitors that raced on one
-- relay, store it once. `id` orders the feed (GET /v1/stream's event id).
--
-- relay_change_state is what detection remembers of a relay (failures in a row, whether it is
-- down, the NIP-11 field digests, the certificate...). It is read FOR UPDATE in the
-- transaction that writes the relay's check history, so replicas evaluate a relay's checks one
-- after the other, and a check older than the state's `checked_at` changes nothing.
CREATE TABLE relay_change (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  relay_id integer NOT NULL REFERENCES relay (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (length(kind) <= 32),
  checked_at bigint NOT NULL,
  recorded_at bigint NOT NULL,
  evidence jsonb NOT NULL,
  UNIQUE (relay_id, kind, checked_at)
);
CREATE INDEX relay_change_relay_idx ON relay_change (relay_id, id DESC);
CREATE INDEX relay_change_recorded_idx ON relay_change (recorded_at);

CREATE TABLE relay_change_state (
  relay_id integer PRIMARY KEY REFERENCES relay (id) ON DELETE CASCADE,
  checked_at bigint NOT NULL,
  state jsonb NOT NULL
);

-- Alerts (docs/alerts.md), owner src/core/db/alert-deliveries.ts. A delivery is queued in the
-- transaction that stores its change (once per subscription and change); alert_cooldown keeps
-- when each subscription was last notified of a kind of change of a relay (check time), so a
-- flapping relay notifies at most once per cool-down. A delivery is `pending` until sent or,
-- after its last attempt, `dead` (the dead-letter count).
CREATE TABLE alert_cooldown (
  subscription text NOT NULL CHECK (length(subscription) <= 200),
  kind text NOT NULL,
  relay_id integer NOT NULL REFERENCES relay (id) ON DELETE CASCADE,
  last_at bigint NOT NULL,
  PRIMARY KEY (subscription, kind, relay_id)
);

CREATE TABLE alert_delivery (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subscription text NOT NULL CHECK (length(subscription) <= 200),
  change_id bigint NOT NULL REFERENCES relay_change (id) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt bigint NOT NULL,
  claimed_until bigint NOT NULL DEFAULT 0,
  last_error text,
  created_at bigint NOT NULL,
  sent_at bigint,
  UNIQUE (subscription, change_id)
);
CREATE INDEX alert_delivery_due_idx ON alert_delivery (next_attempt) WHERE status = 'pending';

-- The monitor and validator write (writer); the API streams and lists (reader).
GRANT SELECT ON relay_change, relay_change_state, alert_cooldown, alert_delivery
  TO bigbrotr_writer, bigbrotr_reader, bigbrotr_refresher;
GRANT INSERT, UPDATE, DELETE ON relay_change, relay_change_state, alert_cooldown, alert_delivery
  TO bigbrotr_writer;
