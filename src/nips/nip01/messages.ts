/**
 * NIP-01 (+ NIP-42, NIP-45, NIP-77's relay-to-client NEG-MSG / NEG-ERR) wire messages: parsing relay→client frames with a clear reason
 * for every rejection, and encoding client→relay frames. Event payloads are returned raw
 * (`unknown`): validating them is the subscription's job.
 */
import type { Filter, NostrEvent } from "../../models/event-types.js";
import { storableText } from "../../models/text.js";
import { encodeCount, parseCountPayload } from "../nip45/count.js";

export type RelayMessage =
  | { type: "EVENT"; subId: string; event: unknown }
  | { type: "EOSE"; subId: string }
  | { type: "CLOSED"; subId: string; message: string }
  | { type: "NOTICE"; message: string }
  | { type: "OK"; eventId: string; accepted: boolean; message: string }
  | { type: "AUTH"; challenge: string }
  | { type: "COUNT"; subId: string; count: number; approximate: boolean; hll?: string }
  | { type: "NEG-MSG"; subId: string; message: string }
  | { type: "NEG-ERR"; subId: string; message: string; maxRecords?: number };

export type ParseResult = { ok: true; message: RelayMessage } | { ok: false; reason: string };

const fail = (reason: string): ParseResult => ({ ok: false, reason });
const ok = (message: RelayMessage): ParseResult => ({ ok: true, message });

function stringAt(frame: readonly unknown[], index: number): string | undefined {
  const value = frame[index];
  return typeof value === "string" ? value : undefined;
}

/**
 * A relay's human text (CLOSED, NOTICE, OK, NEG-ERR messages) as we may keep it in a reason:
 * NUL and lone surrogates, which PostgreSQL cannot store, become U+FFFD.
 */
function messageAt(frame: readonly unknown[], index: number): string {
  const value = stringAt(frame, index);
  return value === undefined ? "" : storableText(value);
}

function parseCount(subId: string, payload: unknown): ParseResult {
  const parsed = parseCountPayload(payload);
  return parsed.ok ? ok({ type: "COUNT", subId, ...parsed.value }) : fail(parsed.reason);
}

function parseOk(frame: readonly unknown[]): ParseResult {
  const eventId = stringAt(frame, 1);
  const accepted = frame[2];
  if (eventId === undefined || typeof accepted !== "boolean") {
    return fail('OK: expected ["OK", id, bool, message]');
  }
  // NIP-01 requires the message, but some relays omit it: tolerate as "".
  return ok({ type: "OK", eventId, accepted, message: messageAt(frame, 3) });
}

/** NIP-77: `["NEG-ERR", subId, "reason: text", maxRecords?]`; a bad 4th element is ignored. */
function parseNegErr(subId: string, frame: readonly unknown[]): ParseResult {
  const max = frame[3];
  const message = messageAt(frame, 2);
  return Number.isSafeInteger(max) && (max as number) >= 0
    ? ok({ type: "NEG-ERR", subId, message, maxRecords: max as number })
    : ok({ type: "NEG-ERR", subId, message });
}

function parseWithSubId(type: string, frame: readonly unknown[]): ParseResult {
  const subId = stringAt(frame, 1);
  if (subId === undefined) return fail(`${type}: subscription id is not a string`);
  switch (type) {
    case "EVENT":
      return frame.length < 3 ? fail("EVENT: missing event") : ok({ type, subId, event: frame[2] });
    case "EOSE":
      return ok({ type, subId });
    case "CLOSED":
      return ok({ type, subId, message: messageAt(frame, 2) });
    case "NEG-MSG": {
      const message = stringAt(frame, 2);
      return message === undefined
        ? fail("NEG-MSG: message is not a string")
        : ok({ type, subId, message });
    }
    case "NEG-ERR":
      return parseNegErr(subId, frame);
    default:
      return parseCount(subId, frame[2]);
  }
}

function parseFrame(frame: readonly unknown[]): ParseResult {
  const type = frame[0];
  switch (type) {
    case "EVENT":
    case "EOSE":
    case "CLOSED":
    case "COUNT":
    case "NEG-MSG":
    case "NEG-ERR":
      return parseWithSubId(type, frame);
    case "NOTICE":
      return ok({ type, message: messageAt(frame, 1) });
    case "OK":
      return parseOk(frame);
    case "AUTH": {
      const challenge = stringAt(frame, 1);
      return challenge === undefined
        ? fail("AUTH: challenge is not a string")
        : ok({ type, challenge });
    }
    default:
      return fail(
        typeof type === "string"
          ? `unknown message type ${JSON.stringify(type.slice(0, 32))}`
          : "message type is not a string",
      );
  }
}

/** Parses one text frame from a relay. Never throws. */
export function parseRelayMessage(text: string): ParseResult {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return fail("not JSON");
  }
  if (!Array.isArray(frame)) return fail("not a JSON array");
  if (frame.length === 0) return fail("empty array");
  return parseFrame(frame);
}

/** Splits a machine-readable NIP-01 prefix from its human text: "blocked: spam" → blocked. */
export function splitPrefix(message: string): { prefix: string | undefined; text: string } {
  const match = /^([a-z][a-z0-9-]*):\s?(.*)$/s.exec(message);
  if (match === null) return { prefix: undefined, text: message };
  return { prefix: match[1], text: match[2] ?? "" };
}

export const encodeReq = (subId: string, filters: readonly Filter[]): string =>
  JSON.stringify(["REQ", subId, ...filters]);
export { encodeCount };
export const encodeClose = (subId: string): string => JSON.stringify(["CLOSE", subId]);
export const encodeEvent = (event: NostrEvent): string => JSON.stringify(["EVENT", event]);
export const encodeAuth = (event: NostrEvent): string => JSON.stringify(["AUTH", event]);
