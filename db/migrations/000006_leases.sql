-- Leases: work shared by several processes of one service (src/core/db/leases.ts).
-- A process holds an item (a relay URL, a candidate) until expires_at; another takes it only
-- after that, so a crashed process's items are picked up once its leases run out.

CREATE TABLE lease (
  service text NOT NULL,
  item text NOT NULL,
  holder text NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (service, item)
);
CREATE INDEX lease_expires_idx ON lease (expires_at);

GRANT SELECT ON lease TO bigbrotr_writer, bigbrotr_reader, bigbrotr_refresher;
GRANT INSERT, UPDATE, DELETE ON lease TO bigbrotr_writer;
