/**
 * Range-based set reconciliation, negentropy protocol V1, both roles. Each incoming range is
 * answered in order: Skip with Skip (adjacent Skips merged, a trailing one left implicit); a
 * Fingerprint equal to ours with Skip, otherwise our records of the range split into 16
 * Fingerprint buckets, or an IdList below 32 records; an IdList, by the initiator, by
 * learning the difference (then Skip), by the responder with its own ids. With a frame size
 * limit, what does not fit is folded into one Fingerprint up to infinity, answered next
 * round. The initiator is done when its answer holds no range.
 */
import { NegProtocolError } from "./errors.js";
import type { RecordSet } from "./records.js";
import {
  type Bound,
  ByteReader,
  ByteWriter,
  FINGERPRINT_SIZE,
  ID_SIZE,
  INFINITY_BOUND,
  MIN_BOUND,
  Mode,
  PROTOCOL_VERSION,
} from "./wire.js";

export const BUCKETS = 16;
/** Smallest frame size limit (as in the reference implementations). */
export const MIN_FRAME_SIZE_LIMIT = 4096;
/** Room kept under the limit for the range being written and the fold. */
const FRAME_MARGIN = 200;
/** Largest bound: varint timestamp (≤ 8 bytes), varint length, 32-byte prefix. */
const MAX_BOUND_BYTES = 42;

/** What one answer taught the initiator: ids only we have, ids only the other side has. */
export interface Diff {
  have: string[];
  need: string[];
}

export interface ReconcilerOptions {
  /** Max bytes of one outgoing message (binary; hex doubles it). 0 = unlimited (default). */
  frameSizeLimit?: number;
}

export class Reconciler {
  readonly #records: RecordSet;
  readonly #initiator: boolean;
  readonly #limit: number;
  /** Ids already reported, so a range answered twice (after a fold) is not counted twice. */
  readonly #reported = new Set<string>();

  constructor(
    records: RecordSet,
    role: "initiator" | "responder",
    options: ReconcilerOptions = {},
  ) {
    const limit = options.frameSizeLimit ?? 0;
    if (limit !== 0 && limit < MIN_FRAME_SIZE_LIMIT) {
      throw new RangeError(`frame size limit must be 0 or at least ${MIN_FRAME_SIZE_LIMIT}`);
    }
    this.#records = records;
    this.#initiator = role === "initiator";
    this.#limit = limit;
  }

  /** The opening message: every record, split as any differing range would be. */
  initiate(): Uint8Array {
    if (!this.#initiator) throw new Error("only the initiator opens a session");
    const out = new ByteWriter();
    out.byte(PROTOCOL_VERSION);
    this.#split(out, 0, this.#records.size, INFINITY_BOUND);
    return out.finish();
  }

  /** Initiator: the next message (null: reconciliation is complete) and the differences. */
  reconcile(message: Uint8Array): Diff & { next: Uint8Array | null } {
    if (!this.#initiator) throw new Error("the responder answers with respond()");
    const reader = new ByteReader(message);
    const version = reader.byte();
    if (version !== PROTOCOL_VERSION) {
      throw new NegProtocolError(`unsupported protocol version 0x${version.toString(16)}`);
    }
    const diff: Diff = { have: [], need: [] };
    const out = this.#answer(reader, diff);
    return { ...diff, next: out.length === 1 ? null : out.finish() };
  }

  /** Responder: the answer to one message (a lone version byte for another version). */
  respond(message: Uint8Array): Uint8Array {
    if (this.#initiator) throw new Error("the initiator continues with reconcile()");
    const reader = new ByteReader(message);
    if (reader.byte() !== PROTOCOL_VERSION) return Uint8Array.of(PROTOCOL_VERSION);
    return this.#answer(reader, null).finish();
  }

  #answer(reader: ByteReader, diff: Diff | null): ByteWriter {
    const out = new ByteWriter();
    out.byte(PROTOCOL_VERSION);
    const records = this.#records;
    let lowerBound = MIN_BOUND;
    let lower = 0;
    let skipping = false;
    const flushSkip = () => {
      if (!skipping) return;
      skipping = false;
      out.bound(lowerBound);
      out.varint(Mode.Skip);
    };
    while (reader.remaining > 0) {
      const upperBound = reader.bound();
      const mode = reader.varint();
      const upper = records.lowerBound(upperBound, lower);
      const theirs = this.#payload(reader, mode);
      const ours = upper - lower;
      const cost = this.#cost(mode, ours, diff !== null);
      if (this.#limit > 0 && out.length + cost + FRAME_MARGIN > this.#limit) {
        flushSkip();
        out.bound(INFINITY_BOUND);
        out.varint(Mode.Fingerprint);
        out.bytes(records.fingerprint(lower, records.size));
        return out;
      }
      if (mode === Mode.Skip) skipping = true;
      else if (mode === Mode.Fingerprint) {
        if (equalBytes(theirs as Uint8Array, records.fingerprint(lower, upper))) skipping = true;
        else {
          flushSkip();
          this.#split(out, lower, upper, upperBound);
        }
      } else if (diff !== null) {
        this.#learn(theirs as Uint8Array[], lower, upper, diff);
        skipping = true;
      } else {
        flushSkip();
        if (ours < 2 * BUCKETS || this.#limit === 0) this.#idList(out, lower, upper, upperBound);
        else this.#split(out, lower, upper, upperBound);
      }
      lower = upper;
      lowerBound = upperBound;
    }
    return out;
  }

  /** A range's payload: the fingerprint, the ids, or nothing. */
  #payload(reader: ByteReader, mode: number): Uint8Array | Uint8Array[] | null {
    if (mode === Mode.Skip) return null;
    if (mode === Mode.Fingerprint) return reader.bytes(FINGERPRINT_SIZE);
    if (mode !== Mode.IdList) throw new NegProtocolError(`unknown range mode ${mode}`);
    const count = reader.varint();
    if (count * ID_SIZE > reader.remaining)
      throw new NegProtocolError("id list longer than the message");
    const ids: Uint8Array[] = [];
    for (let i = 0; i < count; i++) ids.push(reader.bytes(ID_SIZE));
    return ids;
  }

  /** Upper estimate of what answering a range of `ours` records writes (a split at worst). */
  #cost(mode: number, ours: number, initiator: boolean): number {
    if (mode === Mode.Skip || (mode === Mode.IdList && initiator)) return MAX_BOUND_BYTES;
    return ours < 2 * BUCKETS
      ? MAX_BOUND_BYTES + 10 + ours * ID_SIZE
      : BUCKETS * (MAX_BOUND_BYTES + 1 + FINGERPRINT_SIZE);
  }

  /** The initiator compares the other side's complete list of a range with its own. */
  #learn(theirs: Uint8Array[], lower: number, upper: number, diff: Diff): void {
    const records = this.#records;
    const their = new Set(theirs.map((id) => Buffer.from(id).toString("hex")));
    const mine = new Set<string>();
    for (let i = lower; i < upper; i++) {
      const id = records.hexId(i);
      mine.add(id);
      if (!their.has(id)) this.#report(diff.have, id);
    }
    for (const id of their) if (!mine.has(id)) this.#report(diff.need, id);
  }

  #report(list: string[], id: string): void {
    if (this.#reported.has(id)) return;
    this.#reported.add(id);
    list.push(id);
  }

  #idList(out: ByteWriter, lower: number, upper: number, upperBound: Bound): void {
    out.bound(upperBound);
    out.varint(Mode.IdList);
    out.varint(upper - lower);
    for (let i = lower; i < upper; i++) out.bytes(this.#records.id(i));
  }

  /** Records [lower, upper) as an IdList when few, else as BUCKETS fingerprinted ranges. */
  #split(out: ByteWriter, lower: number, upper: number, upperBound: Bound): void {
    const n = upper - lower;
    if (n < 2 * BUCKETS) {
      this.#idList(out, lower, upper, upperBound);
      return;
    }
    const per = Math.floor(n / BUCKETS);
    const extra = n % BUCKETS;
    let begin = lower;
    for (let b = 0; b < BUCKETS; b++) {
      const end = begin + per + (b < extra ? 1 : 0);
      out.bound(b === BUCKETS - 1 ? upperBound : this.#records.boundBefore(end));
      out.varint(Mode.Fingerprint);
      out.bytes(this.#records.fingerprint(begin, end));
      begin = end;
    }
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
