/**
 * Negentropy protocol V1 on the wire (NIP-77 appendix): varints, bounds and the byte buffers
 * messages are read from and written to. Messages travel hex-encoded inside NEG-OPEN and
 * NEG-MSG; here they are bytes.
 */
import { NegProtocolError } from "./errors.js";

export const PROTOCOL_VERSION = 0x61;
export const ID_SIZE = 32;
export const FINGERPRINT_SIZE = 16;

export const Mode = { Skip: 0, Fingerprint: 1, IdList: 2 } as const;

/** A record's upper or lower limit: a timestamp and an id prefix (missing bytes are 0). */
export interface Bound {
  /** Seconds; Infinity is the reserved "infinity" timestamp (2^64 − 1 on the wire). */
  timestamp: number;
  prefix: Uint8Array;
}

export const MIN_BOUND: Bound = { timestamp: 0, prefix: new Uint8Array(0) };
export const INFINITY_BOUND: Bound = {
  timestamp: Number.POSITIVE_INFINITY,
  prefix: new Uint8Array(0),
};

/** Big-endian base-128, high bit set on every byte but the last (0 is one zero byte). */
export function encodeVarint(n: number): number[] {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`varint out of range: ${n}`);
  const digits = [n % 128];
  for (let rest = Math.floor(n / 128); rest > 0; rest = Math.floor(rest / 128)) {
    digits.push((rest % 128) | 0x80);
  }
  return digits.reverse();
}

/** Growing output buffer with the timestamp state of bound encoding. */
export class ByteWriter {
  #buf = new Uint8Array(256);
  #len = 0;
  #lastTimestamp = 0;

  get length(): number {
    return this.#len;
  }

  #reserve(extra: number): void {
    if (this.#len + extra <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + extra));
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  byte(b: number): void {
    this.#reserve(1);
    this.#buf[this.#len++] = b;
  }

  bytes(b: Uint8Array): void {
    this.#reserve(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
  }

  varint(n: number): void {
    for (const d of encodeVarint(n)) this.byte(d);
  }

  /** Timestamp as 0 (infinity) or 1 + offset from the previous one, then the id prefix. */
  bound(b: Bound): void {
    if (b.timestamp === Number.POSITIVE_INFINITY) {
      this.varint(0);
      this.#lastTimestamp = Number.POSITIVE_INFINITY;
    } else {
      this.varint(1 + b.timestamp - this.#lastTimestamp);
      this.#lastTimestamp = b.timestamp;
    }
    this.varint(b.prefix.length);
    this.bytes(b.prefix);
  }

  /** A copy of what was written. */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

/** Reads a message; every malformation throws NegProtocolError. */
export class ByteReader {
  readonly #buf: Uint8Array;
  #pos = 0;
  #lastTimestamp = 0;

  constructor(buf: Uint8Array) {
    this.#buf = buf;
  }

  get remaining(): number {
    return this.#buf.length - this.#pos;
  }

  byte(): number {
    const b = this.#buf[this.#pos];
    if (b === undefined) throw new NegProtocolError("message ends in the middle of a field");
    this.#pos++;
    return b;
  }

  bytes(n: number): Uint8Array {
    if (n > this.remaining) throw new NegProtocolError("message ends in the middle of a field");
    const out = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  varint(): number {
    let n = 0;
    for (;;) {
      const b = this.byte();
      n = n * 128 + (b & 0x7f);
      if (n > Number.MAX_SAFE_INTEGER) throw new NegProtocolError("varint too large");
      if ((b & 0x80) === 0) return n;
    }
  }

  bound(): Bound {
    const encoded = this.varint();
    let timestamp: number;
    if (encoded === 0) timestamp = Number.POSITIVE_INFINITY;
    else {
      timestamp = this.#lastTimestamp + encoded - 1;
      if (!Number.isSafeInteger(timestamp)) throw new NegProtocolError("bound timestamp too large");
    }
    this.#lastTimestamp = timestamp;
    const length = this.varint();
    if (length > ID_SIZE) throw new NegProtocolError(`bound id prefix of ${length} bytes`);
    return { timestamp, prefix: this.bytes(length) };
  }
}

const HEX = /^(?:[0-9a-f]{2})*$/i;

/** Hex of a NEG message → bytes (NegProtocolError when it is not hex). */
export function fromHex(hex: string): Uint8Array {
  if (!HEX.test(hex)) throw new NegProtocolError("message is not hex");
  return new Uint8Array(Buffer.from(hex, "hex"));
}

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
