/**
 * A client's WebSocket message before the connection acts on it: its size (for the receive
 * quota), its shape (a JSON array starting with a verb) and whether its verb is one we count
 * under its own name.
 */
import type WebSocket from "ws";

const KNOWN_VERBS = new Set([
  "REQ",
  "COUNT",
  "CLOSE",
  "EVENT",
  "AUTH",
  "NEG-OPEN",
  "NEG-MSG",
  "NEG-CLOSE",
]);

/** True for the verbs the relay speaks (anything else is counted as "other"). */
export const isKnownVerb = (verb: string): boolean => KNOWN_VERBS.has(verb);

/** Bytes of a received message, however ws delivered it. */
export const sizeOf = (data: WebSocket.RawData): number =>
  Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;

/** A client message as [verb, ...rest], or the NOTICE explaining why it is not one. */
export function parseMessage(text: string): [string, ...unknown[]] | string {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return "invalid: message is not JSON";
  }
  if (!Array.isArray(msg) || typeof msg[0] !== "string") {
    return "invalid: message is not a JSON array starting with a verb";
  }
  return msg as [string, ...unknown[]];
}
