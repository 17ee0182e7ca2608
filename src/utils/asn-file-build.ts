/**
 * Builds the compact ASN table (utils/asn-file.ts) from the ip-location-db CSVs, streamed a
 * megabyte at a time: ranges are written as they are read, so only the distinct organisation
 * names (~80,000) are held while building. The file is written beside its destination and
 * renamed into place, so a reader (or another monitor process building at the same time)
 * never sees half of one. Its stamp names each CSV's path, size and modification time: a
 * table whose stamp differs from its CSVs' is stale and rebuilt (utils/geoip.ts), in a child
 * process (`buildAsnFileApart`).
 */
import { spawn } from "node:child_process";
import { createHash, type Hash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { type FileHandle, mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { BrotrError } from "../models/errors.js";
import { type AsnRange, eachLine, parseV4Line, parseV6Line } from "./asn-csv.js";
import { encodeHeader, V4_RECORD, V6_RECORD } from "./asn-file.js";

export interface AsnCsvSource {
  csv4: string;
  csv6?: string;
}

/** What a table is built from: each CSV's path, size and modification time. */
export async function asnStamp(source: AsnCsvSource): Promise<string> {
  const files = [source.csv4, source.csv6].filter((f): f is string => f !== undefined);
  const parts = await Promise.all(
    files.map(async (path) => {
      const s = await stat(path);
      return { path, size: s.size, mtimeMs: Math.trunc(s.mtimeMs) };
    }),
  );
  return JSON.stringify(parts);
}

/** Appends to the file being built, hashed as they go. */
class Output {
  readonly hash: Hash = createHash("sha256");
  #at: number;
  constructor(
    readonly file: FileHandle,
    at: number,
  ) {
    this.#at = at;
  }
  async bytes(data: Buffer): Promise<void> {
    this.hash.update(data);
    await this.file.write(data, 0, data.length, this.#at);
    this.#at += data.length;
  }
}

class Names {
  readonly #ids = new Map<string, number>([["", 0]]);
  readonly list: string[] = [""];
  id(name: string): number {
    let id = this.#ids.get(name);
    if (id === undefined) {
      id = this.list.length;
      this.list.push(name);
      this.#ids.set(name, id);
    }
    return id;
  }
}

/**
 * Streams one CSV's text to `visit` a megabyte at a time, in whole lines (a line split across
 * chunks is joined first).
 */
async function eachCsvChunk(path: string, visit: (text: string) => Promise<void>) {
  let rest = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const bytes = rest.length === 0 ? (chunk as Buffer) : Buffer.concat([rest, chunk as Buffer]);
    const end = bytes.lastIndexOf(0x0a) + 1;
    rest = Buffer.from(bytes.subarray(end));
    await visit(bytes.toString("utf8", 0, end));
  }
  if (rest.length > 0) await visit(rest.toString("utf8"));
}

function writeV6(buf: Buffer, at: number, value: bigint): void {
  buf.writeBigUInt64BE(value >> 64n, at);
  buf.writeBigUInt64BE(value & ((1n << 64n) - 1n), at + 8);
}

/** One range as its record at `at` of `buf`. */
function writeRecord(buf: Buffer, at: number, range: AsnRange<number | bigint>, name: number) {
  const size = typeof range.start === "number" ? V4_RECORD : V6_RECORD;
  if (typeof range.start === "number") {
    buf.writeUInt32BE(range.start, at);
    buf.writeUInt32BE(range.end as number, at + 4);
  } else {
    writeV6(buf, at, range.start);
    writeV6(buf, at + 16, range.end as bigint);
  }
  buf.writeUInt32BE(range.asn, at + size - 8);
  buf.writeUInt32BE(name, at + size - 4);
}

/**
 * Writes one CSV's ranges, a chunk's records at once (parsed synchronously: no promise per
 * line, so the build's garbage stays small); returns how many were written and skipped.
 */
async function writeRanges(out: Output, names: Names, path: string, family: 4 | 6) {
  const counts = { ranges: 0, skipped: 0 };
  const size = family === 4 ? V4_RECORD : V6_RECORD;
  const parse = family === 4 ? parseV4Line : parseV6Line;
  await eachCsvChunk(path, async (text) => {
    let lines = 0;
    for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) lines++;
    const buf = Buffer.alloc((lines + 1) * size);
    let used = 0;
    eachLine(text, (line) => {
      const range = parse(line);
      if (range === null) counts.skipped++;
      else {
        writeRecord(buf, used, range, names.id(range.org));
        used += size;
      }
    });
    counts.ranges += used / size;
    await out.bytes(buf.subarray(0, used));
  });
  return counts;
}

/** The names section: offsets then UTF-8 bytes. */
function namesSection(names: readonly string[]): { offsets: Buffer; bytes: Buffer } {
  const encoded = names.map((n) => Buffer.from(n, "utf8"));
  const offsets = Buffer.alloc(4 * (names.length + 1));
  let at = 0;
  encoded.forEach((b, i) => {
    offsets.writeUInt32BE(at, 4 * i);
    at += b.length;
  });
  offsets.writeUInt32BE(at, 4 * names.length);
  return { offsets, bytes: Buffer.concat(encoded) };
}

export interface AsnBuild {
  v4: number;
  v6: number;
  names: number;
  /** CSV lines that did not parse. */
  skipped: number;
}

/** Builds the table of `source` at `path` (written beside it, then renamed into place). */
export async function buildAsnFile(source: AsnCsvSource, path: string): Promise<AsnBuild> {
  const stamp = await asnStamp(source);
  const headerBytes = encodeHeader({
    v4: 0,
    v6: 0,
    names: 0,
    nameBytes: 0,
    sha256: Buffer.alloc(32),
    stamp,
  }).length;
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const file = await open(temp, "w", 0o644);
  try {
    const out = new Output(file, headerBytes);
    const names = new Names();
    const v4 = await writeRanges(out, names, source.csv4, 4);
    const v6 = source.csv6
      ? await writeRanges(out, names, source.csv6, 6)
      : { ranges: 0, skipped: 0 };
    const section = namesSection(names.list);
    await out.bytes(section.offsets);
    await out.bytes(section.bytes);
    const header = { v4: v4.ranges, v6: v6.ranges, names: names.list.length, stamp };
    const full = { ...header, nameBytes: section.bytes.length, sha256: out.hash.digest() };
    await file.write(encodeHeader(full), 0, headerBytes, 0);
    await file.close();
    await rename(temp, path);
    return {
      v4: v4.ranges,
      v6: v6.ranges,
      names: names.list.length,
      skipped: v4.skipped + v6.skipped,
    };
  } catch (error) {
    await file.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
}

/** How to start the child entry: `node asn-file-child.js`, or under tsx its `.ts` via tsImport. */
function childCommand(job: string): string[] {
  const self = import.meta.url;
  const ts = new URL("./asn-file-child.ts", self);
  const js = new URL("./asn-file-child.js", self);
  const order = self.endsWith(".ts") ? [ts, js] : [js, ts];
  const file = order.find((url) => existsSync(fileURLToPath(url)));
  if (file === undefined) throw new BrotrError(`ASN table builder not found next to ${self}`);
  if (!file.pathname.endsWith(".ts")) return [fileURLToPath(file), job];
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import(${JSON.stringify(tsxApi)})
    .then((tsx) => tsx.tsImport(${JSON.stringify(file.href)}, ${JSON.stringify(self)}))
    .catch((err) => { setImmediate(() => { throw err; }); });`;
  return ["--input-type=module", "-e", bootstrap, job];
}

/** buildAsnFile in a child process of its own (asn-file-child.ts): its memory is not ours. */
export function buildAsnFileApart(source: AsnCsvSource, path: string): Promise<AsnBuild> {
  const args = childCommand(JSON.stringify({ source, path }));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) return resolve(JSON.parse(Buffer.concat(out).toString()) as AsnBuild);
      const why = Buffer.concat(err).toString().trim().split("\n").slice(-3).join(" ");
      reject(new BrotrError(`building the ASN table ${path} failed (exit ${code}): ${why}`));
    });
  });
}
