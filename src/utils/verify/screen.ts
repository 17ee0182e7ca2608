/**
 * Screening of EVENT frames off the main thread: each frame parsed once, its NIP-01 shape
 * checked, its id recomputed, its filter matched, and, for those that pass, the column values
 * the archive writes computed where the frame was parsed (models/prepared-event.ts). One batch
 * travels each way as one message of parallel arrays (no object per event is cloned), and the
 * main thread builds one flat event per accepted copy from them. The verdicts and their
 * counting are exactly those of the relay client's own screening (nip01 screenEvent): the
 * same functions decide.
 */
import { hasValidId, validateEvent } from "../../models/event.js";
import type { Filter, NostrEvent } from "../../models/event-types.js";
import { matchFilters } from "../../models/filter.js";
import { eventColumns, preparedEvent } from "../../models/prepared-event.js";
import { signatureTag } from "./id-cache.js";

/** What became of one frame. */
export const VERDICT = {
  ok: 0,
  /** Not `["EVENT", subId, event]` (the client counts a garbage frame). */
  garbage: 1,
  /** The event's shape is not NIP-01's. */
  invalid: 2,
  badId: 3,
  /** Valid, but outside the REQ's filters. */
  mismatched: 4,
} as const;

/** One batch's answer: per frame a verdict and a claimed `created_at` (NaN: none); per accepted frame, in order, its columns. */
export interface ScreenReply {
  readonly verdicts: Uint8Array;
  readonly at: Float64Array;
  readonly ids: string[];
  readonly pubkeys: string[];
  readonly sigs: string[];
  readonly createdAt: Float64Array;
  readonly kinds: Uint16Array;
  readonly contents: string[];
  readonly tagsJson: string[];
  readonly tagvalues: string[];
  /** "" when storable, else unstorableReason. */
  readonly unstorable: string[];
  readonly sigTags: string[];
}

/** The event of a frame when it is `["EVENT", <string>, event, …]`, else undefined. */
function eventOf(frame: string): { event: unknown } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(frame);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed[0] !== "EVENT" || typeof parsed[1] !== "string") {
    return undefined;
  }
  return parsed.length < 3 ? undefined : { event: parsed[2] };
}

function claimedAt(raw: unknown): number {
  if (typeof raw !== "object" || raw === null) return Number.NaN;
  const at = (raw as { created_at?: unknown }).created_at;
  return typeof at === "number" && Number.isSafeInteger(at) && at >= 0 ? at : Number.NaN;
}

/**
 * A batch of frames as one buffer: the frames' UTF-8 bytes end to end and where each ends.
 * The frames travel as the bytes read from the socket (one copy, no UTF-8 decoding and no
 * string cloning on the main thread).
 */
export interface PackedFrames {
  readonly bytes: Uint8Array;
  readonly ends: Uint32Array;
}

export function packFrames(frames: readonly Uint8Array[]): PackedFrames {
  const ends = new Uint32Array(frames.length);
  let at = 0;
  for (let i = 0; i < frames.length; i++) {
    at += (frames[i] as Uint8Array).length;
    ends[i] = at;
  }
  return { bytes: Buffer.concat(frames, at), ends };
}

/** Screens packed frames against `filters` (the work of one worker message). */
export function screenFrames(frames: PackedFrames, filters: readonly Filter[]): ScreenReply {
  const { ends } = frames;
  const bytes = Buffer.from(frames.bytes.buffer, frames.bytes.byteOffset, frames.bytes.length);
  const n = ends.length;
  const reply = emptyReply(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const got = eventOf(bytes.toString("utf8", i === 0 ? 0 : ends[i - 1], ends[i]));
    if (got === undefined) {
      reply.verdicts[i] = VERDICT.garbage;
      continue;
    }
    const checked = validateEvent(got.event, { owned: true });
    if (!checked.ok) {
      reply.verdicts[i] = VERDICT.invalid;
      reply.at[i] = claimedAt(got.event);
      continue;
    }
    const ev = checked.event;
    reply.at[i] = ev.created_at;
    if (!hasValidId(ev)) reply.verdicts[i] = VERDICT.badId;
    else if (!matchFilters(filters, ev)) reply.verdicts[i] = VERDICT.mismatched;
    else addColumns(reply, k++, ev);
  }
  return trim(reply, k);
}

function emptyReply(n: number): ScreenReply {
  return {
    verdicts: new Uint8Array(n),
    at: new Float64Array(n).fill(Number.NaN),
    ids: [],
    pubkeys: [],
    sigs: [],
    createdAt: new Float64Array(n),
    kinds: new Uint16Array(n),
    contents: [],
    tagsJson: [],
    tagvalues: [],
    unstorable: [],
    sigTags: [],
  };
}

function addColumns(reply: ScreenReply, k: number, ev: NostrEvent): void {
  reply.ids.push(ev.id);
  reply.pubkeys.push(ev.pubkey);
  reply.sigs.push(ev.sig);
  reply.createdAt[k] = ev.created_at;
  reply.kinds[k] = ev.kind;
  reply.contents.push(ev.content);
  const columns = eventColumns(ev);
  reply.tagsJson.push(columns.tagsJson);
  reply.tagvalues.push(columns.tagvaluesLiteral);
  reply.unstorable.push(columns.unstorable ?? "");
  reply.sigTags.push(signatureTag(ev.sig));
}

/** The typed arrays cut to the accepted count. */
function trim(reply: ScreenReply, k: number): ScreenReply {
  return { ...reply, createdAt: reply.createdAt.slice(0, k), kinds: reply.kinds.slice(0, k) };
}

/** The accepted events of a reply, in frame order, as prepared events (one flat object each). */
export function screenedEvents(reply: ScreenReply): NostrEvent[] {
  const out: NostrEvent[] = new Array(reply.ids.length);
  for (let k = 0; k < out.length; k++) {
    const fields = {
      id: reply.ids[k] as string,
      pubkey: reply.pubkeys[k] as string,
      created_at: reply.createdAt[k] as number,
      kind: reply.kinds[k] as number,
      content: reply.contents[k] as string,
      sig: reply.sigs[k] as string,
    };
    const unstorable = reply.unstorable[k] as string;
    out[k] = preparedEvent(fields, {
      tagsJson: reply.tagsJson[k] as string,
      tagvaluesLiteral: reply.tagvalues[k] as string,
      unstorable: unstorable === "" ? null : unstorable,
      sigTag: reply.sigTags[k] as string,
    });
  }
  return out;
}
