/** The filled database and the plan readers of explain.test.ts. */
import pg from "pg";
import { type ArchiveItem, archiveEvents } from "../../../src/core/db/archive.js";
import type { Db } from "../../../src/core/db/pool.js";
import { recordRelayMetadata } from "../../../src/core/db/relay-metadata.js";
import { insertRelays } from "../../../src/core/db/relays.js";
import type { NamedStatement } from "../../../src/core/db/sql.js";
import type { TestDatabase } from "../../support/pg.js";
import { fakeEvent } from "./helpers.js";

const pgUtils = (pg as unknown as { utils: { prepareValue(v: never): unknown } }).utils;

/** One author writes 5 % of the archive, as real archives have a few prolific ones. */
export const AUTHOR = "pk:7";
export const RELAYS = Array.from({ length: 40 }, (_, i) => `wss://r${i}.example`);
export const EVENTS = 12_000;

function items(): { items: ArchiveItem[]; ids: string[] } {
  const out: ArchiveItem[] = [];
  const ids: string[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const event = fakeEvent(`x${i}`, {
      kind: i % 97 === 0 ? 1984 : ([1, 7, 0, 30023, 3][i % 5] as number),
      pubkey: fakeEvent(i % 20 === 0 ? AUTHOR : `pk:${i % 300}`).pubkey,
      created_at: 1_700_000_000 + i * 8,
      tags: [
        ["t", i === 77 ? "rare" : `t${i % 20}`],
        ["p", fakeEvent(`p${i % 500}`).pubkey],
      ],
    });
    ids.push(event.id);
    for (let k = 0; k < 1 + (i % 4); k++) {
      const relayUrl = RELAYS[(i + 7 * k) % RELAYS.length] as string;
      out.push({ event, relayUrl, network: "clearnet", seenAt: event.created_at + 5 + k });
    }
    // A relay that holds most of the archive, and one that holds a handful of events.
    const seenAt = event.created_at + 9;
    if (i % 4 !== 0)
      out.push({ event, relayUrl: "wss://big.example", network: "clearnet", seenAt });
    if (i % 2000 === 0)
      out.push({ event, relayUrl: "wss://tiny.example", network: "clearnet", seenAt });
  }
  return { items: out, ids };
}

async function history(pool: pg.Pool): Promise<void> {
  const checks = [];
  for (let h = 0; h < 1000; h++) {
    for (const url of RELAYS.slice(0, 20)) {
      checks.push({
        relay: { url, network: "clearnet" as const, discoveredAt: 1 },
        type: "nip66_rtt" as const,
        data: { data: { rtt_open: h % 17 } },
        generatedAt: 1_700_000_000 + h * 3600,
      });
    }
  }
  for (let i = 0; i < checks.length; i += 5000)
    await recordRelayMetadata(pool, checks.slice(i, i + 5000));
}

/** Fills and analyses the database; returns the event ids in archive order. */
export async function fillExplainDatabase(db: TestDatabase): Promise<string[]> {
  const data = items();
  // Batches of 500 sightings: many storing transactions, as an archive has.
  for (let i = 0; i < data.items.length; i += 500) {
    await archiveEvents(db.pool, data.items.slice(i, i + 500), { profile: "bigbrotr" });
  }
  await history(db.pool);
  // A realistic relay table: thousands of relays, most with no events.
  const many = Array.from({ length: 3000 }, (_, i) => ({
    url: `wss://many${i}.example`,
    network: "clearnet" as const,
    discoveredAt: 1,
  }));
  await insertRelays(db.pool, many);
  await db.pool.query("VACUUM ANALYZE");
  return data.ids;
}

export interface Sent {
  text: string;
  values: unknown[];
  /** Set for a named (prepared) statement. */
  name?: string;
}

/** The statements a read sends, captured by a handle that answers every query with no rows. */
export async function statementsOf(call: (db: Db) => Promise<unknown>): Promise<Sent[]> {
  const sent: Sent[] = [];
  const capture = {
    async query(text: string | (NamedStatement & { values: unknown[] }), values: unknown[] = []) {
      if (typeof text === "string") sent.push({ text, values });
      else sent.push({ text: text.text, values: text.values, name: text.name });
      return { rows: [], rowCount: 0 };
    },
  };
  await call(capture as unknown as Db);
  return sent;
}

/**
 * The plan a statement runs with: its generic plan when it is named (what each connection keeps
 * after its first runs; explain.test.ts checks that it does), else the plan for its values.
 * With `analyze`, run it and count the rows each node returned.
 */
export async function explain(
  db: TestDatabase,
  s: Sent,
  options: { analyze?: boolean; settings?: string } = {},
): Promise<unknown> {
  const how = options.analyze ? "ANALYZE, FORMAT JSON" : "FORMAT JSON";
  const client = await db.pool.connect();
  try {
    // Planner settings for this plan only (SET LOCAL needs a transaction: use SET and RESET).
    if (options.settings) await client.query(options.settings);
    if (s.name === undefined) {
      const { rows } = await client.query(`EXPLAIN (${how}) ${s.text}`, s.values);
      return rows[0]["QUERY PLAN"];
    }
    await client.query("SET plan_cache_mode = force_generic_plan");
    await client.query(`PREPARE explained AS ${s.text}`);
    // A utility statement takes no parameters: the values go in as literals.
    const args = s.values.map((v) => literal(client, v)).join(", ");
    const { rows } = await client.query(`EXPLAIN (${how}) EXECUTE explained(${args})`);
    return rows[0]["QUERY PLAN"];
  } finally {
    await client.query("DEALLOCATE ALL; RESET ALL");
    client.release();
  }
}

/** `value` as an SQL literal of the text the driver would send for it. */
function literal(client: pg.PoolClient, value: unknown): string {
  if (value === null) return "NULL";
  const text = pgUtils.prepareValue(value as never);
  if (Buffer.isBuffer(text)) return `'\\x${text.toString("hex")}'`;
  return client.escapeLiteral(String(text));
}

/** Every value of `key` anywhere in a plan, in plan order, with the node that holds it. */
export function planNodes(
  plan: unknown,
  key: string,
): { value: unknown; node: Record<string, unknown> }[] {
  const out: { value: unknown; node: Record<string, unknown> }[] = [];
  const walk = (node: unknown) => {
    if (node === null || typeof node !== "object") return;
    const o = node as Record<string, unknown>;
    if (key in o && typeof o[key] !== "object") out.push({ value: o[key], node: o });
    for (const v of Object.values(o)) walk(v);
  };
  walk(plan);
  return out;
}

/** Every string value of `key` anywhere in a plan, in plan order. */
export const planValues = (plan: unknown, key: string): string[] =>
  planNodes(plan, key)
    .map((n) => n.value)
    .filter((v): v is string => typeof v === "string");

/** The partitioned (parent) index of a partition's index, or the index itself. */
export async function parentIndex(db: TestDatabase, name: string): Promise<string> {
  const { rows } = await db.pool.query<{ parent: string | null }>(
    `SELECT (SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = c.oid) AS parent
     FROM pg_class c WHERE c.relname = $1`,
    [name],
  );
  return rows[0]?.parent ?? name;
}

/** Parent (partitioned) index of each index used anywhere in the plan. */
export async function indexesUsed(db: TestDatabase, plan: unknown): Promise<Set<string>> {
  const out = new Set<string>();
  for (const n of new Set(planValues(plan, "Index Name"))) out.add(await parentIndex(db, n));
  return out;
}

/**
 * Rows the plan read through `index` (an EXPLAIN ANALYZE plan): what every scan of it
 * returned, over all its loops.
 */
export async function rowsReadThrough(
  db: TestDatabase,
  plan: unknown,
  index: string,
): Promise<number> {
  let total = 0;
  for (const { value, node } of planNodes(plan, "Index Name")) {
    if ((await parentIndex(db, value as string)) !== index) continue;
    total += Number(node["Actual Rows"] ?? 0) * Number(node["Actual Loops"] ?? 1);
  }
  return total;
}

/** Rows the plan read from `relation` (an EXPLAIN ANALYZE plan), over all loops of every scan. */
export function rowsReadFrom(plan: unknown, relation: string): number {
  return planNodes(plan, "Relation Name")
    .filter((n) => n.value === relation)
    .reduce((sum, { node }) => sum + Number(node["Actual Rows"]) * Number(node["Actual Loops"]), 0);
}
