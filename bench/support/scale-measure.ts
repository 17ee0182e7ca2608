/**
 * bench:scale's measurements outside the API: disk per event and per check row, an export
 * of the newest events through the export module (every 50th line's id checked), the
 * finder's event scan with its URL extraction, and `bigbrotr status` as a user runs it.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { exportEvents } from "../../src/cli/archive-file/event-export.js";
import { exportParquet } from "../../src/cli/archive-file/parquet-export.js";
import { type ScanPosition, scanEvents } from "../../src/core/db/event-scan.js";
import { hasValidId } from "../../src/models/event.js";
import type { NostrEvent } from "../../src/models/event-types.js";
import { extractUrls, MAX_JSON_BYTES } from "../../src/services/finder/extract.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface Disk {
  events: number;
  sightings: number;
  checkRows: number;
  /** Bytes of event and event_relay (all partitions, with indexes and TOAST). */
  eventBytes: number;
  sightingBytes: number;
  /** Bytes of relay_metadata and metadata with their indexes. */
  checkBytes: number;
  databaseBytes: number;
}

export async function measureDisk(pool: pg.Pool): Promise<Disk> {
  const { rows } = await pool.query<Record<keyof Disk, string>>(`
    SELECT (SELECT count(*) FROM event) AS events,
      (SELECT count(*) FROM event_relay) AS sightings,
      (SELECT count(*) FROM relay_metadata) AS "checkRows",
      (SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('event')) AS "eventBytes",
      (SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('event_relay'))
        AS "sightingBytes",
      pg_total_relation_size('relay_metadata') + pg_total_relation_size('metadata')
        AS "checkBytes",
      pg_database_size(current_database()) AS "databaseBytes"`);
  const r = rows[0] as Record<keyof Disk, string>;
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)])) as unknown as Disk;
}

export interface Rate {
  count: number;
  seconds: number;
  perSecond: number;
}

const rate = (count: number, started: number): Rate => {
  const seconds = (performance.now() - started) / 1000;
  return { count, seconds, perSecond: count / seconds };
};

/** A sink that counts the export's lines and checks the id of every 50th. */
function checkingSink(): { sink: Writable; lines: () => number; badIds: () => number } {
  let lines = 0;
  let bad = 0;
  let partial = "";
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const parts = (partial + chunk.toString("utf8")).split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) {
        if (lines++ % 50 === 0 && !hasValidId(JSON.parse(line) as NostrEvent)) bad++;
      }
      done();
    },
  });
  return { sink, lines: () => lines, badIds: () => bad };
}

/** Exports the newest `count` events (created_at up to `end`); throws on a bad id. */
/** created_at of the `count`-th newest event at or before `end`: an export of about that many. */
async function sinceForNewest(pool: pg.Pool, count: number, end: number): Promise<number> {
  const { rows } = await pool.query<{ since: string }>(
    `SELECT created_at AS since FROM event WHERE created_at <= $1
     ORDER BY created_at DESC OFFSET $2 LIMIT 1`,
    [end, count - 1],
  );
  return Number(rows[0]?.since ?? 0);
}

export async function measureExport(pool: pg.Pool, count: number, end: number): Promise<Rate> {
  const since = await sinceForNewest(pool, count, end);
  const { sink, lines, badIds } = checkingSink();
  const started = performance.now();
  const result = await exportEvents(pool, { since, until: end }, sink);
  const measured = rate(result.events, started);
  if (lines() !== result.events)
    throw new Error(`export wrote ${lines()} lines for ${result.events} events`);
  if (badIds() > 0) throw new Error(`export: ${badIds()} sampled events do not hash to their id`);
  return measured;
}

/**
 * The same newest events as Parquet (`bigbrotr export --format parquet`: events and sightings
 * by day, then relays.parquet and checks.parquet), into a temporary folder removed after.
 */
export async function measureParquetExport(
  pool: pg.Pool,
  count: number,
  end: number,
): Promise<Rate> {
  const since = await sinceForNewest(pool, count, end);
  const dir = await mkdtemp(join(tmpdir(), "bigbrotr-scale-parquet-"));
  try {
    const started = performance.now();
    const result = await exportParquet(pool, { since, until: end }, dir, { profile: "bigbrotr" });
    if (!result.complete) throw new Error("parquet export did not complete");
    return rate(result.events, started);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The finder's event scan (pages of its default scan_size, 500) over the first `limit` events. */
export async function measureFinderScan(
  pool: pg.Pool,
  limit: number,
): Promise<Rate & { urls: number }> {
  let after: ScanPosition = { xid: "0", id: "" };
  let scanned = 0;
  let urls = 0;
  const started = performance.now();
  while (scanned < limit) {
    const page = await scanEvents(pool, {
      after,
      limit: 500,
      kinds: null,
      maxContentBytes: MAX_JSON_BYTES,
    });
    for (const row of page) urls += extractUrls(row).found.length;
    scanned += page.length;
    const last = page.at(-1);
    if (last === undefined || page.length < 500) break;
    after = { xid: last.xid, id: last.id };
  }
  return { ...rate(scanned, started), urls };
}

/** Wall time of `bigbrotr <args>` as a child process on `databaseUrl`; throws on failure. */
export async function timeCli(databaseUrl: string, args: string[]): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [join(ROOT, "bin", "bigbrotr.js"), ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`bigbrotr ${args.join(" ")} exited ${code}: ${stderr.trim()}`);
  return (performance.now() - started) / 1000;
}
