/**
 * One side's records for a negentropy session: (timestamp, 32-byte id) sorted by timestamp,
 * then id, in two flat typed arrays (40 bytes a record, nothing per record on the heap), with
 * the V1 fingerprint of any slice: SHA-256 of (the ids summed as little-endian 256-bit
 * integers mod 2^256) followed by the varint count, first 16 bytes.
 */
import { createHash } from "node:crypto";
import { type Bound, encodeVarint, FINGERPRINT_SIZE, ID_SIZE } from "./wire.js";

export interface NegRecord {
  /** Unix seconds (created_at). */
  timestamp: number;
  /** 64 hex characters, or the 32 bytes. */
  id: string | Uint8Array;
}

function compareBytes(a: Uint8Array, ai: number, b: Uint8Array, bi: number, n: number): number {
  for (let k = 0; k < n; k++) {
    const d = (a[ai + k] as number) - (b[bi + k] as number);
    if (d !== 0) return d;
  }
  return 0;
}

export class RecordSet {
  readonly size: number;
  readonly #times: Float64Array;
  readonly #ids: Uint8Array;

  private constructor(times: Float64Array, ids: Uint8Array) {
    this.size = times.length;
    this.#times = times;
    this.#ids = ids;
  }

  /** Sorts and de-duplicates; throws RangeError on a malformed id or timestamp. */
  static from(records: Iterable<NegRecord>): RecordSet {
    const times: number[] = [];
    const raw: Uint8Array[] = [];
    for (const r of records) {
      if (!Number.isSafeInteger(r.timestamp) || r.timestamp < 0) {
        throw new RangeError(`record timestamp out of range: ${r.timestamp}`);
      }
      const id = typeof r.id === "string" ? Buffer.from(r.id, "hex") : r.id;
      if (id.length !== ID_SIZE || (typeof r.id === "string" && r.id.length !== 64)) {
        throw new RangeError("record id is not 32 bytes");
      }
      times.push(r.timestamp);
      raw.push(id);
    }
    const order = times.map((_, i) => i);
    order.sort((a, b) => {
      const dt = (times[a] as number) - (times[b] as number);
      return dt !== 0
        ? dt
        : compareBytes(raw[a] as Uint8Array, 0, raw[b] as Uint8Array, 0, ID_SIZE);
    });
    const outTimes = new Float64Array(order.length);
    const outIds = new Uint8Array(order.length * ID_SIZE);
    let n = 0;
    for (const i of order) {
      const id = raw[i] as Uint8Array;
      const t = times[i] as number;
      if (
        n > 0 &&
        outTimes[n - 1] === t &&
        compareBytes(outIds, (n - 1) * ID_SIZE, id, 0, ID_SIZE) === 0
      )
        continue;
      outTimes[n] = t;
      outIds.set(id, n * ID_SIZE);
      n++;
    }
    return new RecordSet(outTimes.slice(0, n), outIds.slice(0, n * ID_SIZE));
  }

  timestamp(i: number): number {
    return this.#times[i] as number;
  }

  /** The id of record i (a view, not a copy). */
  id(i: number): Uint8Array {
    return this.#ids.subarray(i * ID_SIZE, (i + 1) * ID_SIZE);
  }

  hexId(i: number): string {
    return Buffer.from(this.#ids.buffer, this.#ids.byteOffset + i * ID_SIZE, ID_SIZE).toString(
      "hex",
    );
  }

  /** Record i < bound: earlier timestamp, or the same and an id below the zero-padded prefix. */
  #below(i: number, bound: Bound): boolean {
    const t = this.#times[i] as number;
    if (t !== bound.timestamp) return t < bound.timestamp;
    const p = bound.prefix;
    return compareBytes(this.#ids, i * ID_SIZE, p, 0, p.length) < 0;
  }

  /** First index in [from, size) whose record is not below `bound`. */
  lowerBound(bound: Bound, from = 0): number {
    let lo = from;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#below(mid, bound)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The shortest bound above record i − 1 and at or below record i: record i's timestamp
   * alone when they differ, else the ids' common prefix plus one byte.
   */
  boundBefore(i: number): Bound {
    const t = this.#times[i] as number;
    if (i === 0 || this.#times[i - 1] !== t) return { timestamp: t, prefix: new Uint8Array(0) };
    const a = this.id(i - 1);
    const b = this.id(i);
    let shared = 0;
    while (shared < ID_SIZE && a[shared] === b[shared]) shared++;
    return { timestamp: t, prefix: b.slice(0, Math.min(ID_SIZE, shared + 1)) };
  }

  /** Fingerprint of records [begin, end). */
  fingerprint(begin: number, end: number): Uint8Array {
    return fingerprintOf(this.#ids, begin, end);
  }
}

/** Fingerprint of the ids [begin, end) of a flat id array. */
export function fingerprintOf(ids: Uint8Array, begin: number, end: number): Uint8Array {
  // 256-bit sum in eight little-endian 32-bit limbs.
  const sum = new Uint32Array(8);
  const view = new DataView(ids.buffer, ids.byteOffset, ids.byteLength);
  for (let i = begin; i < end; i++) {
    let carry = 0;
    const base = i * ID_SIZE;
    for (let k = 0; k < 8; k++) {
      const s = (sum[k] as number) + view.getUint32(base + k * 4, true) + carry;
      sum[k] = s >>> 0;
      carry = s > 0xffffffff ? 1 : 0;
    }
  }
  const bytes = new Uint8Array(ID_SIZE);
  const out = new DataView(bytes.buffer);
  for (let k = 0; k < 8; k++) out.setUint32(k * 4, sum[k] as number, true);
  const hash = createHash("sha256")
    .update(bytes)
    .update(Uint8Array.from(encodeVarint(end - begin)));
  return new Uint8Array(hash.digest().subarray(0, FINGERPRINT_SIZE));
}
