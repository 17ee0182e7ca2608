import type { Socket } from "node:net";
import type { WebSocket } from "ws";
import type { FakeRelayOptions } from "./fake-relay-types.js";

/** Frames a garbageFrames relay slips between real messages. */
export const GARBAGE_FRAMES: readonly (string | Buffer)[] = [
  "hello",
  "[]",
  '["EVENT"]',
  Buffer.from([0xde, 0xad, 0xbe, 0xef]),
  '{"not":"an array"}',
  '["EVENT","sub-that-does-not-exist"',
  '["WHAT",1,2,3]',
  '["EVENT","x",{"id":"not-hex"}]',
  '["OK"]',
  "null",
];

/** User-space send buffer above which a stream waits for the socket to drain. */
const STREAM_BUFFER_BYTES = 64 * 1024;
const STREAM_SLICE = 256;

/**
 * The outgoing side of one connection: applies latency (keeping order), silence, garbage
 * frames and dropAfter. Timers are tracked so that closing leaves nothing scheduled.
 */
export class Outbox {
  readonly #ws: WebSocket;
  readonly #options: () => FakeRelayOptions;
  readonly #queue: { due: number; frame: string | Buffer; isEvent: boolean }[] = [];
  #timer: NodeJS.Timeout | undefined;
  #eventsSent = 0;
  #garbageIndex = 0;
  #dead = false;
  /** When the last scheduled frame is due (dripMs spaces frames from it). */
  #lastDue = 0;
  readonly #socket: Socket | undefined;

  constructor(ws: WebSocket, options: () => FakeRelayOptions, socket?: Socket) {
    this.#ws = ws;
    this.#options = options;
    this.#socket = socket;
  }

  get eventsSent(): number {
    return this.#eventsSent;
  }

  /** Sends a relay message; `isEvent` marks frames counted by dropAfter. */
  send(message: unknown[], isEvent = false): void {
    if (this.#options().garbageFrames) this.#schedule(this.#nextGarbage(), false);
    this.#schedule(JSON.stringify(message), isEvent);
  }

  /**
   * Writes `next()` frames as fast as the socket drains, like a relay under TCP backpressure:
   * past STREAM_BUFFER_BYTES waiting in user space it waits until the last write reached the
   * kernel. It also yields to the event loop every STREAM_SLICE frames, so a client in the
   * same process reads while it writes. `next` returning undefined ends the stream, then
   * `done` runs. Latency, garbage frames and dropAfter do not apply.
   */
  stream(next: () => string | undefined, done: () => void): void {
    for (let slice = 0; ; slice++) {
      if (this.#dead || this.#ws.readyState !== this.#ws.OPEN) return;
      const frame = next();
      if (frame === undefined) {
        done();
        return;
      }
      if (slice === STREAM_SLICE) {
        this.#ws.send(frame);
        setImmediate(() => this.stream(next, done));
        return;
      }
      if (this.#ws.bufferedAmount < STREAM_BUFFER_BYTES) {
        this.#ws.send(frame);
        continue;
      }
      this.#ws.send(frame, (error) => {
        if (error === undefined || error === null) this.stream(next, done);
      });
      return;
    }
  }

  /** Sends a raw text frame as is (used for oversize frames). */
  sendRaw(frame: string): void {
    this.#schedule(frame, false);
  }

  /** Stops every scheduled send. */
  dispose(): void {
    this.#dead = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.length = 0;
  }

  #nextGarbage(): string | Buffer {
    const frame = GARBAGE_FRAMES[this.#garbageIndex % GARBAGE_FRAMES.length] ?? "hello";
    this.#garbageIndex++;
    return frame;
  }

  #schedule(frame: string | Buffer, isEvent: boolean): void {
    if (this.#dead || this.#options().silent) return;
    const latency = this.#options().latencyMs ?? 0;
    const drip = this.#options().dripMs ?? 0;
    if (latency <= 0 && drip <= 0 && this.#queue.length === 0) {
      this.#write(frame, isEvent);
      return;
    }
    const last = this.#queue.at(-1);
    const due = Math.max(Date.now() + latency, last?.due ?? 0, this.#lastDue + drip);
    this.#lastDue = due;
    this.#queue.push({ due, frame, isEvent });
    if (this.#timer === undefined) this.#arm();
  }

  /** One timer at a time over a FIFO queue, so frames leave in order even if latency changes. */
  #arm(): void {
    const head = this.#queue[0];
    if (head === undefined || this.#dead) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        const now = Date.now();
        while (this.#queue.length > 0 && (this.#queue[0]?.due ?? 0) <= now) {
          const item = this.#queue.shift();
          if (item) this.#write(item.frame, item.isEvent);
        }
        this.#arm();
      },
      Math.max(0, head.due - Date.now()),
    );
  }

  #write(frame: string | Buffer, isEvent: boolean): void {
    if (this.#dead || this.#ws.readyState !== this.#ws.OPEN) return;
    const midFrame = this.#options().dropMidFrameAfter;
    if (isEvent && midFrame !== undefined && this.#eventsSent >= midFrame) {
      this.#cutFrame(frame);
      return;
    }
    const dropAfter = this.#options().dropAfter;
    if (isEvent && dropAfter !== undefined && this.#eventsSent >= dropAfter) {
      this.#drop();
      return;
    }
    const last = isEvent && dropAfter !== undefined && this.#eventsSent + 1 >= dropAfter;
    if (isEvent) this.#eventsSent++;
    if (last) this.dispose();
    // Terminate only once the last frame is written, so the client really receives N events.
    this.#ws.send(frame, { binary: typeof frame !== "string" }, () => {
      if (last) this.#ws.terminate();
    });
  }

  /** Writes the header and half the payload of `frame`'s WebSocket frame, then drops the TCP socket. */
  #cutFrame(frame: string | Buffer): void {
    this.dispose();
    const socket = this.#socket;
    if (socket === undefined) {
      this.#ws.terminate();
      return;
    }
    const payload = typeof frame === "string" ? Buffer.from(frame, "utf8") : frame;
    socket.write(
      Buffer.concat([frameHeader(payload.length), payload.subarray(0, payload.length >> 1)]),
    );
    socket.destroySoon();
  }

  #drop(): void {
    this.dispose();
    this.#ws.terminate();
  }
}

/** An unmasked final text frame's header for a payload of `length` bytes (RFC 6455 §5.2). */
function frameHeader(length: number): Buffer {
  if (length < 126) return Buffer.from([0x81, length]);
  if (length < 65536) return Buffer.from([0x81, 126, length >> 8, length & 0xff]);
  const header = Buffer.alloc(10);
  header[0] = 0x81;
  header[1] = 127;
  header.writeBigUInt64BE(BigInt(length), 2);
  return header;
}
