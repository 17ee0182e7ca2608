/**
 * The compact ASN table: the ip-location-db CSVs prebuilt (utils/asn-file-build.ts) into a file
 * of sorted fixed-width ranges and a table of organisation names, searched on disk. A lookup
 * finds its block of ranges from a small index held in memory (every BLOCK-th start), reads
 * that block with one `pread` and searches it; the names (~2 MB) are held. So the table costs
 * ~3 MB of memory instead of the CSV parse's ~85 MB of RSS. Layout, all integers big-endian:
 *
 *   header   magic "BBASNT01", u32 header bytes, u32 v4 ranges, u32 v6 ranges, u32 names,
 *            u32 name bytes, 32 bytes SHA-256 of everything after the header, u32 stamp
 *            bytes, the stamp (what it was built from, utils/asn-file-build.ts), zero padding
 *   v4       per range: u32 start, u32 end, u32 asn, u32 name index  (16 bytes)
 *   v6       per range: 16 bytes start, 16 bytes end, u32 asn, u32 name index  (40 bytes)
 *   names    u32 offsets (names + 1) into the UTF-8 bytes that follow; name 0 is ""
 */
import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { BrotrError } from "../models/errors.js";
import { type AsnMatch, addressKey, asnMatch, networkOf } from "./asn-csv.js";

export const ASN_FILE_MAGIC = Buffer.from("BBASNT01", "latin1");
/** Fixed part of the header; the stamp follows it. */
export const ASN_HEADER_FIXED = 64;
export const V4_RECORD = 16;
export const V6_RECORD = 40;
/** Ranges per block of the in-memory index (one `pread` of a block per lookup). */
const BLOCK = 64;

/** A compact ASN table that cannot be used: not one, truncated, or its bytes changed. */
export class AsnFileError extends BrotrError {}

export interface AsnFileHeader {
  headerBytes: number;
  v4: number;
  v6: number;
  names: number;
  nameBytes: number;
  sha256: Buffer;
  stamp: string;
}

/** The header's stamp bytes start here (after magic, 5 × u32, the hash and the stamp length). */
const STAMP_AT = 8 + 20 + 32 + 4;

export function encodeHeader(h: Omit<AsnFileHeader, "headerBytes">): Buffer {
  const stamp = Buffer.from(h.stamp, "utf8");
  const size = Math.ceil((STAMP_AT + stamp.length) / 8) * 8;
  const out = Buffer.alloc(Math.max(ASN_HEADER_FIXED, size));
  ASN_FILE_MAGIC.copy(out, 0);
  [out.length, h.v4, h.v6, h.names, h.nameBytes].forEach((n, i) => {
    out.writeUInt32BE(n, 8 + 4 * i);
  });
  h.sha256.copy(out, 28);
  out.writeUInt32BE(stamp.length, 60);
  stamp.copy(out, STAMP_AT);
  return out;
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buf : buf.subarray(0, done);
}

/** The header of an open table file; throws AsnFileError when it is not one. */
export function readHeader(fd: number, path: string): AsnFileHeader {
  const fixed = readAt(fd, 0, ASN_HEADER_FIXED);
  if (fixed.length < ASN_HEADER_FIXED || !fixed.subarray(0, 8).equals(ASN_FILE_MAGIC)) {
    throw new AsnFileError(`${path} is not a compact ASN table (no BBASNT01 header)`);
  }
  const u32 = (at: number) => fixed.readUInt32BE(at);
  const stampBytes = u32(60);
  const headerBytes = u32(8);
  if (STAMP_AT + stampBytes > headerBytes) {
    throw new AsnFileError(`${path} is corrupt: its header says ${headerBytes} bytes`);
  }
  return {
    headerBytes,
    v4: u32(12),
    v6: u32(16),
    names: u32(20),
    nameBytes: u32(24),
    sha256: Buffer.from(fixed.subarray(28, 60)),
    stamp: readAt(fd, STAMP_AT, stampBytes).toString("utf8"),
  };
}

/** Bytes the header says the whole file has. */
export function expectedSize(h: AsnFileHeader): number {
  return h.headerBytes + h.v4 * V4_RECORD + h.v6 * V6_RECORD + 4 * (h.names + 1) + h.nameBytes;
}

/** Checks the size and the body's SHA-256 (read a MB at a time); throws AsnFileError. */
function verify(fd: number, path: string, h: AsnFileHeader): void {
  const size = fstatSync(fd).size;
  const expected = expectedSize(h);
  if (size !== expected) {
    throw new AsnFileError(`${path} is corrupt: ${size} bytes, its header says ${expected}`);
  }
  const hash = createHash("sha256");
  const chunk = Buffer.alloc(1 << 20);
  for (let at = h.headerBytes; at < size; ) {
    const n = readSync(fd, chunk, 0, Math.min(chunk.length, size - at), at);
    if (n === 0) break;
    hash.update(chunk.subarray(0, n));
    at += n;
  }
  if (!hash.digest().equals(h.sha256)) {
    throw new AsnFileError(`${path} is corrupt: its content does not match its SHA-256`);
  }
}

const v6At = (buf: Buffer, at: number) =>
  (buf.readBigUInt64BE(at) << 64n) | buf.readBigUInt64BE(at + 8);

/** One family's ranges on disk: the first start of every block held, a block read per lookup. */
class Ranges<V extends number | bigint> {
  readonly #index: V[] = [];
  constructor(
    readonly fd: number,
    readonly at: number,
    readonly count: number,
    readonly record: number,
    readonly start: (buf: Buffer, at: number) => V,
  ) {
    for (let i = 0; i < count; i += BLOCK) {
      this.#index.push(start(readAt(fd, at + i * record, record), 0));
    }
  }

  /** The block that may hold `key`: the last whose first start is at or below it. */
  #block(key: V): number {
    let lo = 0;
    let hi = this.#index.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#index[mid] as V) <= key) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** The record of the range holding `key` (the last starting at or below it), or null. */
  find(key: V): { buf: Buffer; at: number } | null {
    const block = this.#block(key);
    if (block < 0) return null;
    const first = block * BLOCK;
    const n = Math.min(BLOCK, this.count - first);
    const buf = readAt(this.fd, this.at + first * this.record, n * this.record);
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.start(buf, mid * this.record) <= key) lo = mid;
      else hi = mid - 1;
    }
    return { buf, at: lo * this.record };
  }
}

/** A compact ASN table opened for lookups; `close()` gives its file handle back. */
export class AsnFile {
  readonly header: AsnFileHeader;
  readonly #fd: number;
  readonly #v4: Ranges<number>;
  readonly #v6: Ranges<bigint>;
  readonly #offsets: Buffer;
  readonly #names: Buffer;

  /** Opens and verifies `path`; throws AsnFileError when it is not a whole, unchanged table. */
  constructor(readonly path: string) {
    this.#fd = openSync(path, "r");
    try {
      const h = readHeader(this.#fd, path);
      verify(this.#fd, path, h);
      this.header = h;
      const v6At0 = h.headerBytes + h.v4 * V4_RECORD;
      const namesAt = v6At0 + h.v6 * V6_RECORD;
      this.#v4 = new Ranges(this.#fd, h.headerBytes, h.v4, V4_RECORD, (b, at) =>
        b.readUInt32BE(at),
      );
      this.#v6 = new Ranges(this.#fd, v6At0, h.v6, V6_RECORD, v6At);
      this.#offsets = readAt(this.#fd, namesAt, 4 * (h.names + 1));
      this.#names = readAt(this.#fd, namesAt + 4 * (h.names + 1), h.nameBytes);
    } catch (error) {
      closeSync(this.#fd);
      throw error;
    }
  }

  get size(): { v4: number; v6: number } {
    return { v4: this.header.v4, v6: this.header.v6 };
  }

  #name(index: number): string {
    if (index >= this.header.names) return "";
    const from = this.#offsets.readUInt32BE(4 * index);
    return this.#names.toString("utf8", from, this.#offsets.readUInt32BE(4 * index + 4));
  }

  /** The ASN holding `ip` (IPv4, IPv6 or v4-mapped IPv6), or null. */
  lookup(ip: string): AsnMatch | null {
    const key = addressKey(ip);
    if (key === null) return null;
    if ("v4" in key) {
      const hit = this.#v4.find(key.v4);
      const end = hit?.buf.readUInt32BE(hit.at + 4);
      if (!hit || end === undefined || key.v4 > end) return null;
      const network = networkOf(key.v4, hit.buf.readUInt32BE(hit.at), end);
      return this.#match(hit.buf, hit.at + 8, network);
    }
    const hit = this.#v6.find(key.v6);
    const end = hit ? v6At(hit.buf, hit.at + 16) : undefined;
    if (!hit || end === undefined || key.v6 > end) return null;
    return this.#match(hit.buf, hit.at + 32, networkOf(key.v6, v6At(hit.buf, hit.at), end));
  }

  #match(buf: Buffer, at: number, network: string): AsnMatch {
    return asnMatch(buf.readUInt32BE(at), this.#name(buf.readUInt32BE(at + 4)), network);
  }

  close(): void {
    closeSync(this.#fd);
  }
}
