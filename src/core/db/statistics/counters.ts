import { escapeIdentifier as ident } from "pg";
import type { Db } from "../pool.js";
import { exec } from "../sql.js";

/**
 * A summary table of counters under a key (migration 000008): either a set kept with a count
 * per member (stats_kind_pubkey: how many events of the kind the pubkey has), or a rollup of
 * such sets (stats_kind: events of the kind, and how many members its set has).
 */
export interface CounterTable {
  table: string;
  keys: readonly string[];
  /** The first counter is the row's size: a row whose size reaches 0 is deleted. */
  counters: readonly string[];
  /** [first, last] columns: the least `lo` and greatest `hi` of the rows added. */
  span?: readonly [string, string];
  /** The rows exist already and stay at size 0 (the pubkey dictionary): updated only. */
  dictionary?: boolean;
  /**
   * Temp table (dropped at commit) that receives each key whose row appeared (change +1) or
   * vanished (−1), for the summaries above this one.
   */
  changes: string;
  /** Columns of the source copied into `changes` (functions of the key: an event's pubkey). */
  carry?: readonly string[];
  /**
   * A SELECT of the deltas: the key columns, the `carry` columns, one delta per counter (named
   * as the counter), and `lo` / `hi` when the table has a span. Keys are unique in it.
   */
  source: string;
}

/** `lo` / `hi` of a span: the first and last created_at among the rows added (sign > 0). */
export const ADDED_SPAN = `min(created_at) FILTER (WHERE sign > 0) AS lo,
  max(created_at) FILTER (WHERE sign > 0) AS hi`;

/** A counter table whose changes go to its name with `stats_c_` for `stats_`. */
export function counterTable(
  table: string,
  keys: readonly string[],
  counters: readonly string[],
  source: string,
  more: Pick<CounterTable, "span" | "dictionary" | "carry"> = {},
): CounterTable {
  const changes = table.replace(/^stats_/, "stats_c_");
  return { table, keys, counters, changes, source, ...more };
}

/**
 * A table that counts events per key: `event_count` is the sum of `delta` over the rows of
 * `source`, grouped by the keys (a column, or `[name, expression]`), those matching `where`.
 */
export function eventCounter(
  table: string,
  keys: readonly (string | readonly [string, string])[],
  source: string,
  options: { delta?: "sign" | "change"; where?: string } = {},
): CounterTable {
  const names = keys.map((k) => (typeof k === "string" ? k : k[0]));
  const columns = keys.map((k) => (typeof k === "string" ? k : `${k[1]} AS ${k[0]}`));
  const groups = keys.map((_, i) => String(i + 1)).join(", ");
  const where = options.where ? ` WHERE ${options.where}` : "";
  const select = `SELECT ${columns.join(", ")}, sum(${options.delta ?? "sign"})::bigint AS event_count
    FROM ${source}${where} GROUP BY ${groups}`;
  return counterTable(table, names, ["event_count"], select);
}

const list = (names: readonly string[], prefix = "") =>
  names.map((n) => `${prefix}${ident(n)}`).join(", ");

function assignments(t: CounterTable, from: "d" | "excluded"): string {
  const sets = t.counters.map((c) => `${ident(c)} = t.${ident(c)} + ${from}.${ident(c)}`);
  if (t.span) {
    const [first, last] = t.span.map(ident) as [string, string];
    const [lo, hi] = from === "d" ? ["d.lo", "d.hi"] : [`excluded.${first}`, `excluded.${last}`];
    sets.push(`${first} = least(t.${first}, ${lo})`, `${last} = greatest(t.${last}, ${hi})`);
  }
  return sets.join(", ");
}

function write(t: CounterTable, subtract: boolean): string {
  const table = ident(t.table);
  const returning = `RETURNING ${list(t.keys, "t.")}, t.${ident(t.counters[0] as string)} AS n`;
  // Subtracting only meets rows that exist (an INSERT would check its negative counts first).
  if (t.dictionary || subtract) {
    const match = t.keys.map((k) => `t.${ident(k)} = d.${ident(k)}`).join(" AND ");
    return `UPDATE ${table} t SET ${assignments(t, "d")} FROM delta d WHERE ${match} ${returning}`;
  }
  const columns = [...t.keys, ...t.counters, ...(t.span ?? [])];
  const values = [list(t.keys), list(t.counters), ...(t.span ? ["lo", "hi"] : [])].join(", ");
  return `INSERT INTO ${table} AS t (${list(columns)})
    SELECT ${values} FROM delta ORDER BY ${list(t.keys)}
    ON CONFLICT (${list(t.keys)}) DO UPDATE SET ${assignments(t, "excluded")} ${returning}`;
}

/**
 * Adds the deltas of `t.source` to `t`, and records in `t.changes` each key whose row went
 * from size 0 to more (+1) or back to 0 (−1); rows back at 0 are then deleted. Rows whose
 * deltas are all 0 are ignored. `subtract`: every delta is ≤ 0 (a drain), so every key
 * already has its row.
 */
async function addCounts(db: Db, t: CounterTable, subtract: boolean): Promise<void> {
  const source = t.source;
  const carry = t.carry ?? [];
  const out = ident(t.changes);
  const kept = [...t.keys, ...carry];
  await exec(
    db,
    `CREATE TEMP TABLE ${out} ON COMMIT DROP AS
     SELECT ${list(kept)}, 0 AS change FROM (${source}) s WITH NO DATA`,
  );
  const nonzero = t.counters.map((c) => `${ident(c)} <> 0`).join(" OR ");
  const size = ident(t.counters[0] as string);
  const match = t.keys.map((k) => `d.${ident(k)} = up.${ident(k)}`).join(" AND ");
  await exec(
    db,
    `WITH delta AS MATERIALIZED (SELECT * FROM (${source}) s WHERE ${nonzero}),
     up AS (${write(t, subtract)})
     INSERT INTO ${out} (${list(kept)}, change)
     SELECT ${list(kept, "d.")}, CASE WHEN up.n = 0 THEN -1 ELSE 1 END
     FROM up JOIN delta d ON ${match}
     WHERE (up.n = 0) <> (up.n = d.${size})`,
  );
  // Adding never empties a row.
  if (t.dictionary || !subtract) return;
  const gone = t.keys.map((k) => `t.${ident(k)} = c.${ident(k)}`).join(" AND ");
  await exec(
    db,
    `DELETE FROM ${ident(t.table)} t USING ${out} c
     WHERE c.change = -1 AND ${gone} AND t.${size} = 0`,
  );
}

/** addCounts for each table in order (a table's source may read the changes of those before). */
export async function addAllCounts(
  db: Db,
  tables: readonly CounterTable[],
  subtract: boolean,
): Promise<void> {
  for (const t of tables) await addCounts(db, t, subtract);
}
