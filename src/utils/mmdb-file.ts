/**
 * A MaxMind DB (.mmdb) reader that keeps the search tree on disk: a lookup reads its path's
 * nodes with `pread` (at most 32 for IPv4, 128 for IPv6; the top of the tree is held in
 * memory) and decodes the record from the data section, which is read once. For DB-IP City
 * IPv4 that is 19 MB held instead of the whole 63 MB file (the tree is 44 MB). Lookups are
 * synchronous. The format: https://maxmind.github.io/MaxMind-DB/.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { isIP } from "node:net";
import { parseIpv4, parseIpv6 } from "../models/ip-range.js";

const METADATA_MARKER = Buffer.from("\xab\xcd\xefMaxMind.com", "latin1");
const SEPARATOR = 16;
/** Bytes of the tree's start held in memory (its first levels, read on every lookup). */
const TREE_HEAD_BYTES = 1024 * 1024;

type Decoded = { value: unknown; next: number };

/** The MaxMind DB data decoder over one buffer (offsets relative to it). */
export function decodeAt(buf: Buffer, offset: number): Decoded {
  const ctrl = buf[offset] ?? 0;
  let at = offset + 1;
  let type = ctrl >> 5;
  if (type === 1) {
    const ss = (ctrl >> 3) & 3;
    const v = ctrl & 7;
    const n = ss + 1;
    let p = ss === 3 ? 0 : v;
    for (let i = 0; i < n; i++) p = p * 256 + (buf[at + i] ?? 0);
    p += [0, 2048, 526336, 0][ss] ?? 0;
    return { value: decodeAt(buf, p).value, next: at + n };
  }
  if (type === 0) type = 7 + (buf[at++] ?? 0);
  let size = ctrl & 0x1f;
  if (size >= 29) {
    const n = size - 28;
    let extra = 0;
    for (let i = 0; i < n; i++) extra = extra * 256 + (buf[at + i] ?? 0);
    size = (n === 1 ? 29 : n === 2 ? 285 : 65821) + extra;
    at += n;
  }
  return decodeValue(buf, type, size, at);
}

function uintAt(buf: Buffer, at: number, size: number): number | bigint {
  if (size <= 6) return size === 0 ? 0 : buf.readUIntBE(at, size);
  let v = 0n;
  for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(buf[at + i] ?? 0);
  return v;
}

function decodeValue(buf: Buffer, type: number, size: number, at: number): Decoded {
  switch (type) {
    case 2:
      return { value: buf.toString("utf8", at, at + size), next: at + size };
    case 3:
      return { value: buf.readDoubleBE(at), next: at + 8 };
    case 4:
      return { value: buf.subarray(at, at + size), next: at + size };
    case 5:
    case 6:
    case 9:
    case 10:
      return { value: uintAt(buf, at, size), next: at + size };
    case 7: {
      const out: Record<string, unknown> = {};
      let next = at;
      for (let i = 0; i < size; i++) {
        const key = decodeAt(buf, next);
        const value = decodeAt(buf, key.next);
        out[String(key.value)] = value.value;
        next = value.next;
      }
      return { value: out, next };
    }
    case 8:
      return { value: size === 0 ? 0 : buf.readIntBE(at, size), next: at + size };
    case 11: {
      const out: unknown[] = [];
      let next = at;
      for (let i = 0; i < size; i++) {
        const item = decodeAt(buf, next);
        out.push(item.value);
        next = item.next;
      }
      return { value: out, next };
    }
    case 14:
      return { value: size !== 0, next: at };
    case 15:
      return { value: buf.readFloatBE(at), next: at + 4 };
    default:
      throw new Error(`mmdb: unknown data type ${type}`);
  }
}

interface Metadata {
  nodeCount: number;
  recordSize: 24 | 28 | 32;
  ipVersion: 4 | 6;
}

function readAt(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.alloc(length);
  readSync(fd, buf, 0, length, position);
  return buf;
}

function metadataOf(fd: number, fileSize: number): { meta: Metadata; treeBytes: number } {
  const tailSize = Math.min(fileSize, 128 * 1024);
  const tail = readAt(fd, tailSize, fileSize - tailSize);
  const mark = tail.lastIndexOf(METADATA_MARKER);
  if (mark < 0) throw new Error("not a MaxMind DB file (no metadata marker)");
  const m = decodeAt(tail.subarray(mark + METADATA_MARKER.length), 0).value as Record<
    string,
    unknown
  >;
  const nodeCount = Number(m.node_count);
  const recordSize = Number(m.record_size);
  const ipVersion = Number(m.ip_version);
  if (![24, 28, 32].includes(recordSize) || !(ipVersion === 4 || ipVersion === 6)) {
    throw new Error(`mmdb: unsupported record size ${recordSize} or IP version ${ipVersion}`);
  }
  const meta: Metadata = {
    nodeCount,
    recordSize: recordSize as Metadata["recordSize"],
    ipVersion: ipVersion as Metadata["ipVersion"],
  };
  return { meta, treeBytes: (nodeCount * recordSize * 2) / 8 };
}

/** An open .mmdb file; `close()` releases its descriptor. */
export class MmdbFile {
  readonly #fd: number;
  readonly #meta: Metadata;
  readonly #nodeBytes: number;
  readonly #head: Buffer;
  readonly #data: Buffer;
  readonly #node = Buffer.alloc(8);
  readonly #ipv4Start: number;

  constructor(path: string) {
    this.#fd = openSync(path, "r");
    const size = fstatSync(this.#fd).size;
    const { meta, treeBytes } = metadataOf(this.#fd, size);
    this.#meta = meta;
    this.#nodeBytes = meta.recordSize / 4;
    this.#head = readAt(this.#fd, Math.min(treeBytes, TREE_HEAD_BYTES), 0);
    this.#data = readAt(this.#fd, size - treeBytes - SEPARATOR, treeBytes + SEPARATOR);
    let node = 0;
    for (let i = 0; i < 96 && meta.ipVersion === 6 && node < meta.nodeCount; i++) {
      node = this.#child(node, 0);
    }
    this.#ipv4Start = node;
  }

  #child(node: number, bit: number): number {
    const at = node * this.#nodeBytes;
    let b: Buffer = this.#head;
    let base = at;
    if (at + this.#nodeBytes > this.#head.length) {
      readSync(this.#fd, this.#node, 0, this.#nodeBytes, at);
      b = this.#node;
      base = 0;
    }
    switch (this.#meta.recordSize) {
      case 24:
        return b.readUIntBE(base + bit * 3, 3);
      case 28: {
        const middle = b[base + 3] ?? 0;
        const nibble = bit === 0 ? middle >> 4 : middle & 0x0f;
        return nibble * 0x1000000 + b.readUIntBE(base + bit * 4, 3);
      }
      case 32:
        return b.readUInt32BE(base + bit * 4);
    }
  }

  /** The record of `ip`, or null when the database has none. */
  get(ip: string): unknown {
    const family = isIP(ip);
    let bits: number[];
    if (family === 4) bits = bitsOf([parseIpv4(ip) ?? 0], 32);
    else if (family === 6 && this.#meta.ipVersion === 6) bits = bitsOf(parseIpv6(ip) ?? [], 16);
    else return null;
    const { nodeCount } = this.#meta;
    let node = family === 4 ? this.#ipv4Start : 0;
    for (const bit of bits) {
      if (node >= nodeCount) break;
      node = this.#child(node, bit);
    }
    if (node <= nodeCount) return null;
    return decodeAt(this.#data, node - nodeCount - SEPARATOR).value;
  }

  close(): void {
    closeSync(this.#fd);
  }
}

/** The bits of `words` (each `width` bits wide), most significant first. */
function bitsOf(words: readonly number[], width: number): number[] {
  const out: number[] = [];
  for (const w of words) for (let i = width - 1; i >= 0; i--) out.push(Math.floor(w / 2 ** i) % 2);
  return out;
}
