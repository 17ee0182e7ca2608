/**
 * Imports a stream of NIP-01 event lines into the archive in bounded memory: lines are read
 * one at a time, collected into bounded batches, every id and signature is checked by the
 * verifier, and the valid events are stored as sightings through `archiveEvents`. A bad line
 * is counted and reported, never fatal; only a database error stops the import.
 */
import { type ArchiveItem, archiveEvents } from "../../core/db/archive.js";
import type { Profile } from "../../core/db/migrate.js";
import type { Db } from "../../core/db/pool.js";
import type { NostrEvent } from "../../models/event-types.js";
import { type Line, readLines } from "../../utils/lines.js";
import type { Verifier, VerifyResult } from "../../utils/verify/pool.js";
import { NO_RELAY, parseImportLine, type SightingRelay } from "./import-line.js";

export interface ImportOptions {
  /** Profile of the target database (lilbrotr stores only the index columns). */
  profile: Profile;
  /** Attribute every event to this relay instead of the lines' `relays` fields. */
  relay?: SightingRelay;
  allowPrivate?: boolean;
  /** Unix seconds recorded as seen_at of the sightings (default: now). */
  seenAt?: number;
  /** Lines per batch (default 2,000). */
  batchSize?: number;
  /** A batch is written once its lines reach this many bytes (default 32 MiB). */
  maxBatchBytes?: number;
  /** A batch is written once it holds this many sightings (default 20,000). */
  maxBatchSightings?: number;
  /** Longer lines are invalid and skipped unread (default 16 MiB). */
  maxLineBytes?: number;
  /** Invalid lines listed in the report; the rest are only counted (default 100). */
  maxListed?: number;
  /** Checked between lines: when it aborts, the batch being collected is dropped. */
  signal?: AbortSignal;
  /** Called after each batch is stored. */
  onProgress?: (report: Readonly<ImportReport>) => void;
}

export interface InvalidLine {
  line: number;
  reason: string;
}

export interface ImportReport {
  /** Lines read and accounted for (blank ones included). */
  lines: number;
  blank: number;
  /** Valid events that were new to the archive. */
  accepted: number;
  /** Valid events already stored (or repeated in the file). */
  duplicate: number;
  invalid: number;
  /** New (event, relay) sightings. */
  sightings: number;
  /** The first `maxListed` invalid lines, in line order. */
  invalidLines: InvalidLine[];
  /** False when the signal stopped the import before the end of the input. */
  complete: boolean;
}

const DEFAULT_BATCH_SIZE = 2000;
const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
const DEFAULT_MAX_BATCH_BYTES = 32 * 1024 * 1024;
const DEFAULT_MAX_BATCH_SIGHTINGS = 20_000;
const DEFAULT_MAX_LISTED = 100;

export const BAD_ID = "invalid: id does not match the event's hash";
export const BAD_SIG = "invalid: bad signature";

interface Entry {
  line: number;
  event: NostrEvent;
  relays: SightingRelay[];
}

/** Lines read since the last write: the valid ones and the reasons of the others. */
class Batch {
  entries: Entry[] = [];
  invalid: InvalidLine[] = [];
  bytes = 0;
  sightings = 0;
  blank = 0;
  lastLine = 0;

  get lines(): number {
    return this.entries.length + this.invalid.length + this.blank;
  }
}

interface Run {
  db: Db;
  verifier: Verifier;
  options: ImportOptions;
  seenAt: number;
  report: ImportReport;
}

function record(run: Run, invalid: InvalidLine[]): void {
  invalid.sort((a, b) => a.line - b.line);
  run.report.invalid += invalid.length;
  const room = (run.options.maxListed ?? DEFAULT_MAX_LISTED) - run.report.invalidLines.length;
  if (room > 0) run.report.invalidLines.push(...invalid.slice(0, room));
}

function verify(run: Run, batch: Batch): Promise<VerifyResult[]> {
  const events = batch.entries.map((e) => e.event);
  return events.length === 0 ? Promise.resolve([]) : run.verifier.verifyEvents(events);
}

/** Stores the verified events of one batch, then counts every line of it. */
async function store(run: Run, batch: Batch, results: readonly VerifyResult[]): Promise<void> {
  const valid: Entry[] = [];
  for (const [i, entry] of batch.entries.entries()) {
    const result = results[i];
    if (result !== "ok") {
      batch.invalid.push({ line: entry.line, reason: result === "bad-id" ? BAD_ID : BAD_SIG });
    } else if (entry.relays.length === 0) {
      batch.invalid.push({ line: entry.line, reason: NO_RELAY });
    } else valid.push(entry);
  }
  const items: ArchiveItem[] = valid.flatMap((e) =>
    e.relays.map((r) => ({
      event: e.event,
      relayUrl: r.url,
      network: r.network,
      seenAt: run.seenAt,
    })),
  );
  const stored =
    items.length === 0
      ? { events: 0, eventRelays: 0, rejected: [] }
      : await archiveEvents(run.db, items, { profile: run.options.profile });
  const rejected = new Map(stored.rejected.map((r) => [r.id, r.reason]));
  let storable = 0;
  for (const entry of valid) {
    const reason = rejected.get(entry.event.id);
    if (reason === undefined) storable += 1;
    else batch.invalid.push({ line: entry.line, reason });
  }
  run.report.accepted += stored.events;
  run.report.duplicate += storable - stored.events;
  run.report.sightings += stored.eventRelays;
  run.report.blank += batch.blank;
  run.report.lines = Math.max(run.report.lines, batch.lastLine);
  record(run, batch.invalid);
  run.options.onProgress?.(run.report);
}

/**
 * Batch N is stored while batch N+1 is read and verified (the database and the verifier
 * work at the same time); batches are stored one at a time, in order, so at most two are
 * held. A failure surfaces at the next `push` or at `drain`.
 */
class Pipeline {
  #storing: Promise<void> = Promise.resolve();

  constructor(private readonly run: Run) {}

  async push(batch: Batch): Promise<void> {
    const verified = verify(this.run, batch);
    verified.catch(() => {}); // observed through #storing
    await this.#storing;
    this.#storing = verified.then((results) => store(this.run, batch, results));
    this.#storing.catch(() => {}); // observed by the next push or drain
  }

  drain(): Promise<void> {
    return this.#storing;
  }
}

function tooLong(line: Line, max: number): string {
  return `line is ${line.bytes} bytes, more than the maximum of ${max}`;
}

/** Adds one line to the batch: a valid-looking event, an invalid line or a blank one. */
function collect(run: Run, batch: Batch, line: Line, maxLineBytes: number): void {
  batch.lastLine = line.number;
  if (line.kind === "too-long") {
    batch.invalid.push({ line: line.number, reason: tooLong(line, maxLineBytes) });
  } else if (line.kind === "not-utf8") {
    batch.invalid.push({ line: line.number, reason: "not UTF-8" });
  } else if (line.text.trim() === "") {
    batch.blank += 1;
  } else {
    const parsed = parseImportLine(line.text, run.options);
    if (parsed.event === undefined) {
      batch.invalid.push({ line: line.number, reason: parsed.ok ? "" : parsed.reason });
      return;
    }
    // An event without a relay is verified too, and refused after (store()).
    const relays = parsed.ok ? parsed.relays : [];
    batch.entries.push({ line: line.number, event: parsed.event, relays });
    batch.bytes += line.bytes;
    batch.sightings += relays.length;
  }
}

function isFull(batch: Batch, options: ImportOptions): boolean {
  return (
    batch.lines >= (options.batchSize ?? DEFAULT_BATCH_SIZE) ||
    batch.bytes >= (options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES) ||
    batch.sightings >= (options.maxBatchSightings ?? DEFAULT_MAX_BATCH_SIGHTINGS)
  );
}

/**
 * Reads `input` to its end and imports every valid event. Throws only on a database (or
 * verifier) failure; the batches written before it stay written.
 */
export async function importEvents(
  db: Db,
  verifier: Verifier,
  input: AsyncIterable<Buffer | Uint8Array | string>,
  options: ImportOptions,
): Promise<ImportReport> {
  const report: ImportReport = {
    lines: 0,
    blank: 0,
    accepted: 0,
    duplicate: 0,
    invalid: 0,
    sightings: 0,
    invalidLines: [],
    complete: false,
  };
  const seenAt = options.seenAt ?? Math.floor(Date.now() / 1000);
  const run: Run = { db, verifier, options, seenAt, report };
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const pipeline = new Pipeline(run);
  let batch = new Batch();
  for await (const line of readLines(input, { maxLineBytes })) {
    if (options.signal?.aborted) break;
    collect(run, batch, line, maxLineBytes);
    if (isFull(batch, options)) {
      await pipeline.push(batch);
      batch = new Batch();
    }
  }
  if (!options.signal?.aborted) await pipeline.push(batch);
  await pipeline.drain();
  report.complete = !options.signal?.aborted;
  return report;
}
