import type pg from "pg";
import type { ArchiveItem } from "../../src/core/db/archive.js";
import { copyByteaHex, copyLines, copyText } from "../../src/core/db/copy.js";
import { type EventRow, prepareEvents } from "../../src/core/db/events.js";
import type { Profile } from "../../src/core/db/migrate.js";
import { transaction } from "../../src/core/db/transaction.js";

/**
 * The write path of schema v1 (migrations 000001–000004), kept for `bench:db` only, so the
 * v1 figures are measured in the same run as v2's: relays by URL, events without
 * stored_xid, and sightings carrying the relay URL, checked by per-row foreign keys.
 */

function eventLine(row: EventRow, profile: Profile): string {
  const ev = row.event;
  const head = `${copyByteaHex(ev.id)}\t${copyByteaHex(ev.pubkey)}\t${ev.created_at}\t${ev.kind}\t${copyText(row.tagvaluesLiteral)}`;
  if (profile === "lilbrotr") return `${head}\n`;
  return `${head}\t${copyText(JSON.stringify(ev.tags))}\t${copyText(ev.content)}\t${copyByteaHex(ev.sig)}\n`;
}

const COLUMNS = {
  bigbrotr: "id, pubkey, created_at, kind, tagvalues, tags, content, sig",
  lilbrotr: "id, pubkey, created_at, kind, tagvalues",
};
const STAGE = {
  bigbrotr: `id bytea, pubkey bytea, created_at bigint, kind int, tagvalues text[], tags jsonb,
    content text, sig bytea`,
  lilbrotr: "id bytea, pubkey bytea, created_at bigint, kind int, tagvalues text[]",
};

async function copyInsert(
  client: pg.ClientBase,
  stage: string,
  columns: string,
  target: string,
  lines: Iterable<string>,
): Promise<number> {
  await client.query(`CREATE TEMP TABLE v1_stage (${stage}) ON COMMIT DROP`);
  await copyLines(client, "COPY v1_stage FROM STDIN", lines);
  const result = await client.query(
    `INSERT INTO ${target} SELECT ${columns} FROM v1_stage ON CONFLICT DO NOTHING`,
  );
  await client.query("DROP TABLE v1_stage");
  return result.rowCount ?? 0;
}

/** archiveEvents as v1 did it, in one transaction; returns new events and sightings. */
export async function archiveEventsV1(
  pool: pg.Pool,
  items: readonly ArchiveItem[],
  profile: Profile,
): Promise<{ events: number; eventRelays: number }> {
  const { rows } = prepareEvents(items.map((i) => i.event));
  const relays = [...new Map(items.map((i) => [i.relayUrl, i])).values()].sort((a, b) =>
    a.relayUrl < b.relayUrl ? -1 : 1,
  );
  const pairs = [...new Map(items.map((i) => [`${i.event.id} ${i.relayUrl}`, i])).entries()].sort(
    (a, b) => (a[0] < b[0] ? -1 : 1),
  );
  return transaction(pool, async (client) => {
    await client.query(
      `INSERT INTO relay (url, network, discovered_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) ON CONFLICT (url) DO NOTHING`,
      [relays.map((r) => r.relayUrl), relays.map((r) => r.network), relays.map((r) => r.seenAt)],
    );
    const events = await copyInsert(
      client,
      STAGE[profile],
      COLUMNS[profile],
      `event (${COLUMNS[profile]})`,
      rows.map((r) => eventLine(r, profile)),
    );
    const eventRelays = await copyInsert(
      client,
      "event_id bytea, relay_url text, seen_at bigint",
      "event_id, relay_url, seen_at",
      "event_relay (event_id, relay_url, seen_at)",
      pairs.map(([, i]) => `${copyByteaHex(i.event.id)}\t${copyText(i.relayUrl)}\t${i.seenAt}\n`),
    );
    return { events, eventRelays };
  });
}
