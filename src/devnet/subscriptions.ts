import type { Filter, NostrEvent } from "../models/event-types.js";
import { matchFilters, validateFilter } from "../models/filter.js";
import { flipHex } from "./crypto.js";
import type { EventStore } from "./event-store.js";
import { DEFAULT_MAX_LIMIT, type FakeRelayOptions } from "./fake-relay-types.js";
import type { Outbox } from "./outbox.js";
import { streamReq } from "./stream.js";

/** What REQ/COUNT handling needs from its connection. */
export interface SubscriptionHost {
  readonly outbox: Outbox;
  readonly subs: Map<string, Filter[]>;
  readonly store: EventStore;
  options(): FakeRelayOptions;
  /** Reason (without prefix) why reads are refused right now, e.g. missing AUTH. */
  readRefusal(): string | null;
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
  const sub = parseSubscription(host, msg);
  if (sub === null) return;
  const opts = host.options();
  host.subs.set(sub.subId, sub.filters);
  if (opts.streamEvents !== undefined) {
    const eose = () => host.outbox.send(["EOSE", answerId(sub.subId, opts)]);
    streamReq(host, sub.subId, opts.streamEvents, opts.noEose ? () => {} : eose);
    return;
  }
  const results = host.store.query(
    opts.ignoreBounds ? sub.filters.map(withoutBounds) : sub.filters,
    opts.maxLimit ?? DEFAULT_MAX_LIMIT,
  );
  const extras = opts.mismatchedEvents
    ? mismatched(host.store, sub.filters, Math.max(1, Math.ceil(results.length / 4)))
    : [];
  if (opts.oversizeFrameBytes !== undefined && opts.oversizeFrameBytes > 0) {
    host.outbox.sendRaw(oversizeFrame(opts.oversizeFrameBytes));
  }
  results.forEach((ev, i) => {
    sendEvent(host, sub.subId, ev);
    const extra = i % 2 === 1 ? extras.shift() : undefined;
    if (extra) sendEvent(host, sub.subId, extra);
  });
  for (const extra of extras) sendEvent(host, sub.subId, extra);
  if (!opts.noEose) host.outbox.send(["EOSE", answerId(sub.subId, opts)]);
}

/** NIP-45 COUNT over the stored events. */
export function handleCount(host: SubscriptionHost, msg: unknown[]): void {
  const sub = parseSubscription(host, msg);
  if (sub === null) return;
  const filters = host.options().ignoreBounds ? sub.filters.map(withoutBounds) : sub.filters;
  host.outbox.send(["COUNT", sub.subId, { count: host.store.count(filters) }]);
}

/** Pushes a newly accepted event to every matching open subscription of this connection. */
export function pushLive(host: SubscriptionHost, ev: NostrEvent): void {
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
