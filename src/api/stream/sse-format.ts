/** The Server-Sent Events the stream writes: a change, a notice, a heartbeat comment. */
import { changeJson, type RelayChange } from "../../models/relay-change.js";

const encoder = new TextEncoder();

/** `id`, `event: change` and the JSON on one data line (JSON holds no raw newline). */
export function encodeChange(c: RelayChange): Uint8Array {
  return encoder.encode(`id: ${c.id}\nevent: change\ndata: ${JSON.stringify(changeJson(c))}\n\n`);
}

/** A named event without an id (the client's Last-Event-ID stays the last change's). */
export function encodeNotice(event: string, data: unknown): Uint8Array {
  return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export const HEARTBEAT = encoder.encode(": heartbeat\n\n");

/** The opening: how long a client waits before reconnecting (ms). */
export const encodeRetry = (ms: number) => encoder.encode(`retry: ${ms}\n\n`);
