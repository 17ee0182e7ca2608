/**
 * The statistics as they were before the summary tables: the 13 materialized views and
 * their helper function, read from the migrations that defined them (000003, and 000005 for
 * the views it redefined over sightings by relay id; migrations never change, so this stays
 * the old definition after a later migration drops the views), created unpopulated in their
 * own schema, bench_old_views, and refreshed one after another in dependency order the way
 * the refresher did before migration 000008 (refreshAllViews: a plain REFRESH while a view is
 * unpopulated, CONCURRENTLY afterwards, so readers are never blocked).
 */
import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import pg from "pg";

const SCHEMA = "bench_old_views";

/** Refresh order: each view after the views it reads (relay_metadata_latest). */
export const OLD_VIEWS = [
  "relay_metadata_latest",
  "event_stats",
  "relay_stats",
  "kind_counts",
  "kind_counts_by_relay",
  "pubkey_counts",
  "pubkey_counts_by_relay",
  "network_stats",
  "event_daily_counts",
  "events_replaceable_latest",
  "events_addressable_latest",
  "relay_software_counts",
  "supported_nip_counts",
] as const;

async function withOldViews<T>(pool: pg.Pool, work: (c: pg.PoolClient) => Promise<T>) {
  const client = await pool.connect();
  try {
    await client.query(`SET search_path = ${SCHEMA}, public`);
    return await work(client);
  } finally {
    await client.query("RESET search_path").catch(() => undefined);
    client.release();
  }
}

const MIGRATIONS = ["000003_statistics_views.sql", "000005_compact_sightings.sql"];

/** The statement starting at `at`: up to the first `;` ending a line, or the DO block. */
function statementAt(text: string, at: number): string {
  const block = text.lastIndexOf("DO $$", at);
  if (block >= 0 && text.indexOf("END $$;", block) > at) {
    return text.slice(block, text.indexOf("END $$;", block) + 7);
  }
  return text.slice(at, text.indexOf(";\n", at) + 1);
}

/** The DDL of the helper, each view (from its newest definition) and its indexes. */
async function oldViewsDdl(): Promise<string> {
  const dir = new URL("../../db/migrations/", import.meta.url);
  const files = await Promise.all(MIGRATIONS.map((f) => readFile(new URL(f, dir), "utf8")));
  const first = files[0] as string;
  const ddl = [statementAt(first, first.indexOf("CREATE FUNCTION event_kind_class"))];
  for (const name of OLD_VIEWS) {
    const marker = `CREATE MATERIALIZED VIEW ${name} AS`;
    const text = files.findLast((f) => f.includes(marker));
    if (text === undefined) throw new Error(`no definition of ${name} in ${MIGRATIONS}`);
    const view = statementAt(text, text.indexOf(marker));
    ddl.push(view.includes("WITH NO DATA") ? view : view.replace(/;$/, "\nWITH NO DATA;"));
    const indexes = new RegExp(`CREATE (UNIQUE )?INDEX \\w+\\s+ON ${name} \\([^)]*\\);`, "g");
    ddl.push(...(text.match(indexes) ?? []));
  }
  return ddl.join("\n");
}

/** (Re)creates bench_old_views with the 13 views, unpopulated. */
export async function createOldViews(pool: pg.Pool): Promise<void> {
  const ddl = await oldViewsDdl();
  await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await pool.query(`CREATE SCHEMA ${SCHEMA}`);
  await withOldViews(pool, (c) => c.query(ddl));
}

export interface OldRefresh {
  seconds: number;
  /** Seconds of each view, in refresh order. */
  views: [string, number][];
}

/** Refreshes every view (CONCURRENTLY when `concurrently` and populated, as the refresher). */
export async function refreshOldViews(pool: pg.Pool, concurrently: boolean): Promise<OldRefresh> {
  return withOldViews(pool, async (client) => {
    const views: [string, number][] = [];
    const started = performance.now();
    for (const name of OLD_VIEWS) {
      const t = performance.now();
      const mode = concurrently ? "CONCURRENTLY " : "";
      await client.query(`REFRESH MATERIALIZED VIEW ${mode}${SCHEMA}.${pg.escapeIdentifier(name)}`);
      views.push([name, (performance.now() - t) / 1000]);
    }
    return { seconds: (performance.now() - started) / 1000, views };
  });
}
