/**
 * The streamEvents knob: a relay that answers a REQ with a long history made on the fly,
 * ignoring the filter's limit, at the pace the client reads it (see Outbox.stream). The
 * events are kind 1 from one author, newest first, with valid ids and unchecked signatures.
 */
import type { Filter, NostrEvent } from "../models/event-types.js";
import { computeEventId } from "./crypto.js";
import type { Outbox } from "./outbox.js";

/** The part of a relay connection a stream writes through. */
interface StreamHost {
  readonly outbox: Outbox;
  readonly subs: ReadonlyMap<string, readonly Filter[]>;
}

/** Author of every streamed event (a valid x-only key shape, no secret behind it). */
export const STREAM_PUBKEY = "5".repeat(64);
/** created_at of the oldest streamed event; event `i` of `n` has STREAM_START + n - 1 - i. */
export const STREAM_START = 1_700_000_000;

/** Streamed event `index` (0 = newest) of `count`; its content is `stream <index>`. */
export function streamedEvent(index: number, count: number): NostrEvent {
  const base = {
    pubkey: STREAM_PUBKEY,
    created_at: STREAM_START + count - 1 - index,
    kind: 1,
    tags: [],
    content: `stream ${index}`,
  };
  return { ...base, id: computeEventId(base), sig: "0".repeat(128) };
}

/** Sends `count` events for `subId` until done or CLOSEd, then `done()` (not after CLOSE). */
export function streamReq(host: StreamHost, subId: string, count: number, done: () => void): void {
  let index = 0;
  let closed = false;
  const filters = host.subs.get(subId);
  const next = () => {
    closed = host.subs.get(subId) !== filters;
    if (closed || index >= count) return undefined;
    return JSON.stringify(["EVENT", subId, streamedEvent(index++, count)]);
  };
  host.outbox.stream(next, () => {
    if (!closed) done();
  });
}
