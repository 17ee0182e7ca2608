/** The export's whole-table files: the relays and the check history, read in pages. */
import { join } from "node:path";
import { type CheckCursor, readCheckRows, readRelayRows } from "../../core/db/export/open-data.js";
import type { Db } from "../../core/db/pool.js";
import { CHECK_COLUMNS, RELAY_COLUMNS } from "./parquet-schema.js";
import { ParquetTable } from "./parquet-table.js";

const PAGE = 5000;

/** relays.parquet: every validated relay. Returns the rows written. */
export async function writeRelays(db: Db, dir: string, rowGroupRows: number): Promise<number> {
  const table = new ParquetTable(join(dir, "relays.parquet"), RELAY_COLUMNS, rowGroupRows);
  try {
    let after: string | null = null;
    for (;;) {
      const rows = await readRelayRows(db, after, PAGE);
      for (const r of rows) await table.add([r.url, r.network, r.discoveredAt]);
      if (rows.length < PAGE) break;
      after = rows.at(-1)?.url ?? null;
    }
    await table.close();
    return table.rows;
  } catch (error) {
    await table.discard();
    throw error;
  }
}

/** checks.parquet: the monitor's check history, each check with its document. */
export async function writeChecks(
  db: Db,
  dir: string,
  rowGroupRows: number,
  signal?: AbortSignal,
): Promise<number> {
  const table = new ParquetTable(join(dir, "checks.parquet"), CHECK_COLUMNS, rowGroupRows);
  try {
    let after: CheckCursor | null = null;
    for (;;) {
      signal?.throwIfAborted();
      const rows = await readCheckRows(db, after, PAGE);
      for (const c of rows)
        await table.add([c.relayUrl, c.type, c.generatedAt, c.metadataId, c.data]);
      const last = rows.at(-1);
      if (last === undefined || rows.length < PAGE) break;
      after = { relayId: last.relayId, generatedAt: last.generatedAt, type: last.type };
    }
    await table.close();
    return table.rows;
  } catch (error) {
    await table.discard();
    throw error;
  }
}
