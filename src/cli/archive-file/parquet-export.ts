/**
 * The archive as open data: Parquet files partitioned by the events' UTC day, in the folder
 * layout DuckDB, Spark and pandas read as one table (`events/day=2024-01-31/part-0.parquet`),
 * with the relays and the check history as files of their own (docs/export.md). Events are
 * read oldest first a page at a time, so memory holds a page and one row group per file.
 * `manifest.json` records the last day written whole: a rerun into the same folder resumes
 * after it (the day being written when the export stopped is written again).
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readSightingsOf, type SightingRow } from "../../core/db/export/open-data.js";
import type { Db } from "../../core/db/pool.js";
import {
  type EventCursor,
  type EventQuery,
  readSelectedEventPage,
} from "../../core/db/read/events.js";
import { EVENT_COLUMNS, SIGHTING_COLUMNS } from "./parquet-schema.js";
import { ParquetTable } from "./parquet-table.js";
import { writeChecks, writeRelays } from "./parquet-tables.js";

export interface ParquetExportOptions {
  profile: string;
  /** Events per page (default 5,000). */
  pageSize?: number;
  /** Rows per row group (default 50,000). */
  rowGroupRows?: number;
  signal?: AbortSignal;
  onProgress?: (events: number) => void;
}

export interface ParquetExportResult {
  events: number;
  sightings: number;
  days: number;
  relays: number;
  checks: number;
  /** Days found whole in the folder from an earlier run and skipped. */
  resumedAfter: string | null;
  complete: boolean;
}

interface Manifest {
  format: "bigbrotr-parquet";
  version: 1;
  profile: string;
  query: EventQuery;
  /** The last UTC day whose files are whole (YYYY-MM-DD), null before the first. */
  last_complete_day: string | null;
  complete: boolean;
}

const DAY = 86_400;
const dayOf = (createdAt: number) => new Date(createdAt * 1000).toISOString().slice(0, 10);
const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;

async function readManifest(dir: string): Promise<Manifest | null> {
  const text = await readFile(join(dir, "manifest.json"), "utf8").catch(() => null);
  return text === null ? null : (JSON.parse(text) as Manifest);
}

const writeManifest = (dir: string, m: Manifest) =>
  writeFile(join(dir, "manifest.json"), `${JSON.stringify(m, null, 2)}\n`, "utf8");

/** The manifest to continue: a folder holding another export is refused. */
async function startManifest(dir: string, query: EventQuery, profile: string): Promise<Manifest> {
  const found = await readManifest(dir);
  const fresh: Manifest = {
    format: "bigbrotr-parquet",
    version: 1,
    profile,
    query,
    last_complete_day: null,
    complete: false,
  };
  if (found === null) return fresh;
  if (found.format !== "bigbrotr-parquet" || JSON.stringify(found.query) !== JSON.stringify(query))
    throw new Error(
      `${dir} holds another export (its manifest.json names other filters): use an empty folder`,
    );
  return { ...found, complete: false };
}

/** One day's open files: its events and their sightings. */
class DayFiles {
  readonly events: ParquetTable;
  readonly sightings: ParquetTable;

  private constructor(
    readonly day: string,
    events: ParquetTable,
    sightings: ParquetTable,
  ) {
    this.events = events;
    this.sightings = sightings;
  }

  static async open(dir: string, day: string, rowGroupRows: number): Promise<DayFiles> {
    const folder = (table: string) => join(dir, table, `day=${day}`);
    await mkdir(folder("events"), { recursive: true });
    await mkdir(folder("sightings"), { recursive: true });
    return new DayFiles(
      day,
      new ParquetTable(join(folder("events"), "part-0.parquet"), EVENT_COLUMNS, rowGroupRows),
      new ParquetTable(join(folder("sightings"), "part-0.parquet"), SIGHTING_COLUMNS, rowGroupRows),
    );
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.sightings.close();
  }

  async discard(): Promise<void> {
    await this.events.discard();
    await this.sightings.discard();
  }
}

/** Writes the export into `dir` (created if absent). Rejects on a database or file error. */
export async function exportParquet(
  db: Db,
  query: EventQuery,
  dir: string,
  options: ParquetExportOptions,
): Promise<ParquetExportResult> {
  await mkdir(dir, { recursive: true });
  const manifest = await startManifest(dir, query, options.profile);
  const resumedAfter = manifest.last_complete_day;
  const since =
    resumedAfter === null ? query.since : Math.max(query.since ?? 0, dayStart(resumedAfter) + DAY);
  const pageQuery: EventQuery = { ...query, ...(since === undefined ? {} : { since }) };
  const rowGroupRows = options.rowGroupRows ?? 50_000;
  const result = { events: 0, sightings: 0, days: 0, relays: 0, checks: 0, resumedAfter };
  let open: DayFiles | undefined;
  const finishDay = async (day: DayFiles) => {
    await day.close();
    result.days++;
    manifest.last_complete_day = day.day;
    await writeManifest(dir, manifest);
  };
  const dayFiles = async (day: string) => {
    if (open?.day === day) return open;
    if (open) await finishDay(open);
    open = await DayFiles.open(dir, day, rowGroupRows);
    return open;
  };
  const read = (after: EventCursor | null) => readPage(db, pageQuery, options.pageSize, after);
  let next: Promise<Page> | null = read(null);
  try {
    while (next !== null) {
      if (options.signal?.aborted) {
        await open?.discard();
        return { ...result, complete: false };
      }
      const { rows, seen, after }: Page = await next;
      // The next page is read while this one is encoded (CPU), so the two overlap.
      next = after === null ? null : read(after);
      next?.catch(() => undefined); // awaited next turn; an error meanwhile is not unhandled
      for (const row of rows) {
        const files = await dayFiles(dayOf(row.created_at));
        const tags = row.tags === null ? null : JSON.stringify(row.tags);
        const cells = [row.id, row.pubkey, row.created_at, row.kind, tags, row.content, row.sig];
        await files.events.add(cells);
        for (const x of seen.get(row.id) ?? []) {
          await files.sightings.add([x.eventId, x.relayUrl, x.seenAt]);
          result.sightings++;
        }
      }
      result.events += rows.length;
      options.onProgress?.(result.events);
    }
    if (open) await finishDay(open);
    open = undefined;
    if (options.signal?.aborted) return { ...result, complete: false };
    result.relays = await writeRelays(db, dir, rowGroupRows);
    result.checks = await writeChecks(db, dir, rowGroupRows, options.signal);
    await writeManifest(dir, { ...manifest, complete: true });
    return { ...result, complete: true };
  } catch (error) {
    await open?.discard().catch(() => undefined);
    // Stopped while the check history was written: the days are whole, run again to finish.
    if (options.signal?.aborted) return { ...result, complete: false };
    throw error;
  }
}

interface Page {
  rows: Awaited<ReturnType<typeof readSelectedEventPage>>["rows"];
  seen: Map<string, SightingRow[]>;
  after: EventCursor | null;
}

/** One page of events after `after`, with their sightings. */
async function readPage(
  db: Db,
  query: EventQuery,
  pageSize: number | undefined,
  after: EventCursor | null,
): Promise<Page> {
  const page = await readSelectedEventPage(db, query, {
    limit: pageSize ?? 5000,
    ...(after ? { after } : {}),
  });
  const sightings = await readSightingsOf(
    db,
    page.rows.map((r) => r.id),
  );
  return { rows: page.rows, seen: groupByEvent(sightings), after: page.next };
}

function groupByEvent(rows: readonly SightingRow[]): Map<string, SightingRow[]> {
  const byEvent = new Map<string, SightingRow[]>();
  for (const r of rows) {
    const list = byEvent.get(r.eventId);
    if (list) list.push(r);
    else byEvent.set(r.eventId, [r]);
  }
  return byEvent;
}
