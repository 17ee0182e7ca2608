/**
 * Splits a byte stream into lines in bounded memory: at most one line (up to `maxLineBytes`)
 * plus the chunk being read is held. A longer line is counted and skipped to its end, never
 * buffered. Lines end at LF; a CR before it is dropped; a last line without LF counts too.
 */
import { TextDecoder } from "node:util";

export type Line =
  | { kind: "text"; number: number; text: string; bytes: number }
  /** Longer than maxLineBytes: its content was discarded while reading. */
  | { kind: "too-long"; number: number; bytes: number }
  /** Not valid UTF-8. */
  | { kind: "not-utf8"; number: number; bytes: number };

export interface ReadLinesOptions {
  /** Bytes a line may have, line ending excluded. */
  maxLineBytes: number;
}

const LF = 0x0a;
const CR = 0x0d;

/** The line being assembled from one or more chunks. */
class LineBuffer {
  parts: Buffer[] = [];
  bytes = 0;
  overflow = false;

  constructor(private readonly max: number) {}

  append(piece: Buffer): void {
    this.bytes += piece.length;
    if (this.overflow) return;
    // One more byte than allowed may be a CR that the line ending drops.
    if (this.bytes > this.max + 1) {
      this.overflow = true;
      this.parts = [];
    } else if (piece.length > 0) {
      this.parts.push(piece);
    }
  }

  get empty(): boolean {
    return this.bytes === 0;
  }

  take(number: number, decoder: TextDecoder): Line {
    let body = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
    let bytes = this.bytes;
    if (!this.overflow && body.length > 0 && body[body.length - 1] === CR) {
      body = body.subarray(0, body.length - 1);
      bytes -= 1;
    }
    const overflow = this.overflow || bytes > this.max;
    this.parts = [];
    this.bytes = 0;
    this.overflow = false;
    if (overflow) return { kind: "too-long", number, bytes };
    try {
      return { kind: "text", number, text: decoder.decode(body), bytes };
    } catch {
      return { kind: "not-utf8", number, bytes };
    }
  }
}

function asBuffer(chunk: Buffer | Uint8Array | string): Buffer {
  if (typeof chunk === "string") return Buffer.from(chunk, "utf8");
  if (Buffer.isBuffer(chunk)) return chunk;
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength); // a view, not a copy
}

/** Lines of `input` (chunks of bytes or text), numbered from 1. */
export async function* readLines(
  input: AsyncIterable<Buffer | Uint8Array | string>,
  options: ReadLinesOptions,
): AsyncGenerator<Line> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const line = new LineBuffer(options.maxLineBytes);
  let number = 0;
  for await (const chunk of input) {
    const buf = asBuffer(chunk);
    let start = 0;
    while (start < buf.length) {
      const end = buf.indexOf(LF, start);
      if (end < 0) {
        line.append(buf.subarray(start));
        break;
      }
      line.append(buf.subarray(start, end));
      number += 1;
      yield line.take(number, decoder);
      start = end + 1;
    }
  }
  if (!line.empty) {
    number += 1;
    yield line.take(number, decoder);
  }
}
