import type { Filter, NostrEvent } from "../models/event-types.js";
import { matchFilters, validateFilter } from "../models/filter.js";
import { encodeHll, hllOffset, registersOf } from "../nips/nip45/index.js";
import { flipHex } from "./crypto.js";
import type { EventStore } from "./event-store.js";
import { DEFAULT_MAX_LIMIT, type FakeRelayOptions } from "./fake-relay-types.js";
import type { Outbox } from "./outbox.js";
import { createPrng } from "./prng.js";
import { streamReq } from "./stream.js";

/** What REQ/COUNT handling needs from its connection. */
export interface SubscriptionHost {
  readonly outbox: Outbox;
  readonly subs: Map<string, Filter[]>;
  readonly store: EventStore;
  options(): FakeRelayOptions;
  /** Reason (without prefix) why reads are refused right now, e.g. missing AUTH. */
  readRefusal(): string | null;
  /** Counts a REQ of this connection; returns how many there were, this one included. */
  countReq(): number;
  /** The connection has completed NIP-42 AUTH. */
  readonly authed: boolean;
  /** Terminates the connection without a closing handshake. */
  drop(): void;
}

const MAX_SUB_ID_LENGTH = 64;

/** Applies the invalidSignatures / corruptIds knobs to an outgoing copy. */
export function outgoingEvent(ev: NostrEvent, opts: FakeRelayOptions): NostrEvent {
  let out = ev;
  if (opts.invalidSignatures) out = { ...out, sig: flipHex(out.sig) };
  if (opts.corruptIds) out = { ...out, content: `${out.content} [tampered]` };
  return out;
}

function sendEvent(host: SubscriptionHost, subId: string, ev: NostrEvent): void {
  host.outbox.send(["EVENT", subId, outgoingEvent(ev, host.options())], true);
}

/** Kinds this connection may not read yet (authKinds before AUTH), or null. */
function hiddenKinds(host: SubscriptionHost): ReadonlySet<number> | null {
  const kinds = host.options().authKinds;
  return kinds === undefined || kinds.length === 0 || host.authed ? null : new Set(kinds);
}

/** An event this connection may read (see hiddenKinds). */
function readable(host: SubscriptionHost, ev: NostrEvent): boolean {
  return !hiddenKinds(host)?.has(ev.kind);
}

/** True when every filter asks only for kinds behind AUTH (authKinds). */
function onlyHiddenKinds(host: SubscriptionHost, filters: readonly Filter[]): boolean {
  const hidden = hiddenKinds(host);
  if (hidden === null) return false;
  return filters.every((f) => f.kinds?.every((k) => hidden.has(k)) === true);
}

/** Applies the rateLimit knob to this REQ; true when it was answered that way. */
function rateLimited(host: SubscriptionHost, subId: unknown): boolean {
  const limit = host.options().rateLimit;
  if (limit === undefined || host.countReq() <= limit.after) return false;
  const reason = "rate-limited: slow down, too many requests";
  if (limit.answer === "drop") host.drop();
  else if (limit.answer === "notice") host.outbox.send(["NOTICE", reason]);
  else host.outbox.send(["CLOSED", typeof subId === "string" ? subId : "", reason]);
  return true;
}

/** The subscription id EOSE/CLOSED carry: the REQ's own, or another one (foreignSubId). */
function answerId(subId: string, opts: FakeRelayOptions): string {
  return opts.foreignSubId ? `${subId}-other` : subId;
}

/** Validates with the archiver's own NIP-01 rules; answers CLOSED "invalid: ..." otherwise. */
function validFilters(host: SubscriptionHost, subId: string, raw: unknown[]): Filter[] | null {
  const closedId = answerId(subId, host.options());
  if (raw.length === 0) {
    host.outbox.send(["CLOSED", closedId, "invalid: a REQ needs at least one filter"]);
    return null;
  }
  const filters: Filter[] = [];
  for (const item of raw) {
    const checked = validateFilter(item);
    if (!checked.ok) {
      host.outbox.send(["CLOSED", closedId, checked.reason]);
      return null;
    }
    filters.push(checked.filter);
  }
  return filters;
}

/** Parses `[verb, subId, ...filters]`; answers CLOSED and returns null when it is unusable. */
function parseSubscription(
  host: SubscriptionHost,
  msg: unknown[],
): { subId: string; filters: Filter[] } | null {
  const [, subId, ...rawFilters] = msg;
  if (typeof subId !== "string" || subId.length === 0 || subId.length > MAX_SUB_ID_LENGTH) {
    host.outbox.send(["NOTICE", "invalid: subscription id must be 1-64 characters"]);
    return null;
  }
  const filters = validFilters(host, subId, rawFilters);
  if (filters === null) return null;
  const opts = host.options();
  if (opts.closedPrefix !== undefined) {
    const reason = `${opts.closedPrefix}: refused by the fake relay`;
    host.outbox.send(["CLOSED", answerId(subId, opts), reason]);
    return null;
  }
  const refusal = host.readRefusal();
  if (refusal !== null) {
    host.outbox.send(["CLOSED", answerId(subId, opts), refusal]);
    return null;
  }
  if (onlyHiddenKinds(host, filters)) {
    const reason = "auth-required: these kinds are readable after NIP-42 AUTH";
    host.outbox.send(["CLOSED", answerId(subId, opts), reason]);
    return null;
  }
  return { subId, filters };
}

/** Stored events that match none of the filters, for the mismatchedEvents knob. */
function mismatched(store: EventStore, filters: readonly Filter[], count: number): NostrEvent[] {
  const out: NostrEvent[] = [];
  for (const ev of store.events) {
    if (out.length >= count) break;
    if (!matchFilters(filters, ev)) out.push(ev);
  }
  return out;
}

/** The filter without since/until, for the ignoreBounds knob. */
function withoutBounds(filter: Filter): Filter {
  const { since: _since, until: _until, ...rest } = filter;
  return rest;
}

/** REQ: stored results newest first (clamped), then EOSE; the subscription stays open. */
export function handleReq(host: SubscriptionHost, msg: unknown[]): void {
  if (host.options().noticeOnly) {
    host.outbox.send(["NOTICE", "the fake relay only sends notices"]);
    return;
  }
  if (rateLimited(host, msg[1])) return;
  const sub = parseSubscription(host, msg);
  if (sub === null) return;
  const opts = host.options();
  host.subs.set(sub.subId, sub.filters);
  if (opts.streamEvents !== undefined) {
    const eose = () => host.outbox.send(["EOSE", answerId(sub.subId, opts)]);
    streamReq(host, sub.subId, opts.streamEvents, opts.noEose ? () => {} : eose);
    return;
  }
  const results = storedResults(host, sub.filters);
  const extras = opts.mismatchedEvents
    ? mismatched(host.store, sub.filters, Math.max(1, Math.ceil(results.length / 4)))
    : [];
  if (opts.oversizeFrameBytes !== undefined && opts.oversizeFrameBytes > 0) {
    host.outbox.sendRaw(oversizeFrame(opts.oversizeFrameBytes));
  }
  results.forEach((ev, i) => {
    sendEvent(host, sub.subId, ev);
    if (opts.duplicateEvents) sendEvent(host, sub.subId, ev);
    const extra = i % 2 === 1 ? extras.shift() : undefined;
    if (extra) sendEvent(host, sub.subId, extra);
  });
  for (const extra of extras) sendEvent(host, sub.subId, extra);
  if (!opts.noEose) host.outbox.send(["EOSE", answerId(sub.subId, opts)]);
}

/**
 * A REQ's stored results: newest first, the kinds behind AUTH left out (before the clamp, as a
 * relay filtering in its query does), clamped to maxLimit; shuffled when asked.
 */
function storedResults(host: SubscriptionHost, filters: readonly Filter[]): NostrEvent[] {
  const opts = host.options();
  const found = host.store.query(
    opts.ignoreBounds ? filters.map(withoutBounds) : filters,
    opts.maxLimit ?? DEFAULT_MAX_LIMIT,
    (ev) => readable(host, ev),
  );
  if (!opts.shuffleResults) return found;
  const prng = createPrng(found.length);
  for (let i = found.length - 1; i > 0; i--) {
    const j = prng.int(0, i);
    [found[i], found[j]] = [found[j] as NostrEvent, found[i] as NostrEvent];
  }
  return found;
}

/** NIP-45 COUNT over the stored events (those behind AUTH left out), as `count` says. */
export function handleCount(host: SubscriptionHost, msg: unknown[]): void {
  const unknownVerb = host.options().count?.notice;
  if (unknownVerb !== undefined) {
    host.outbox.send(["NOTICE", unknownVerb]);
    return;
  }
  const sub = parseSubscription(host, msg);
  if (sub === null) return;
  const behaviour = host.options().count ?? {};
  if (behaviour.refuse !== undefined) {
    host.outbox.send(["CLOSED", sub.subId, behaviour.refuse]);
    return;
  }
  const filters = host.options().ignoreBounds ? sub.filters.map(withoutBounds) : sub.filters;
  const matched = host.store.matching(filters, (ev) => readable(host, ev));
  let count = Math.floor(matched.length * (behaviour.scale ?? 1));
  if (behaviour.cap !== undefined) count = Math.min(count, behaviour.cap);
  const payload: Record<string, unknown> = { count };
  if (behaviour.approximate) payload.approximate = true;
  if (behaviour.hll) {
    // The NIP leaves filters without a tag undefined: this relay then uses offset 16.
    const offset = hllOffset(sub.filters[0] ?? {}) ?? 16;
    payload.hll = encodeHll(
      registersOf(
        matched.map((ev) => ev.pubkey),
        offset,
      ),
    );
  }
  host.outbox.send(["COUNT", sub.subId, payload]);
}

/** Pushes a newly accepted event to every matching open subscription of this connection. */
export function pushLive(host: SubscriptionHost, ev: NostrEvent): void {
  if (!readable(host, ev)) return;
  for (const [subId, filters] of host.subs) {
    if (matchFilters(filters, ev)) sendEvent(host, subId, ev);
  }
}

/** A valid NOTICE frame padded to exactly `bytes` bytes (plain filler when too small). */
export function oversizeFrame(bytes: number): string {
  const frame = '["NOTICE",""]';
  if (bytes < frame.length) return "x".repeat(bytes);
  return `["NOTICE","${"x".repeat(bytes - frame.length)}"]`;
}
