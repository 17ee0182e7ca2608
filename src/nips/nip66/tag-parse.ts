/**
 * Reading NIP-66 events from anyone: the event's shape is checked (not its signature), and
 * each tag is read on its own; a malformed one is left out with a reason naming it, the rest
 * is kept. Shared by the 30166 and 10166 readers.
 */
import { validateEvent } from "../../models/event.js";
import type { NostrEvent } from "../../models/event-types.js";
import { NETWORKS, type Network } from "../../models/network.js";

const UINT = /^(0|[1-9][0-9]{0,14})$/;
const GEOHASH = /^[0-9bcdefghjkmnpqrstuvwxyz]{1,12}$/;
const NETWORK_SET: ReadonlySet<string> = new Set(NETWORKS);

/** A non-negative integer written in decimal, without sign or leading zeros. */
export function parseUint(value: string): number | null {
  return UINT.test(value) ? Number(value) : null;
}

export function isGeohash(value: string): boolean {
  return GEOHASH.test(value);
}

export function isNetwork(value: string): value is Network {
  return NETWORK_SET.has(value);
}

/** Appends `value` unless it is there already ("repeated" then). */
export function addOnce<T>(list: T[], value: T): string | null {
  if (list.includes(value)) return "repeated";
  list.push(value);
  return null;
}

/** A tag as it appears in a reason, cut to a readable length. */
export function describeTag(index: number, tag: readonly string[]): string {
  const text = JSON.stringify(tag);
  return `tag ${index} ${text.length > 80 ? `${text.slice(0, 77)}...` : text}`;
}

/** The event if `raw` has NIP-01's shape and the wanted kind, else why not. */
export function eventOfKind(raw: unknown, kind: number): NostrEvent | string {
  const checked = validateEvent(raw);
  if (!checked.ok) return checked.reason;
  if (checked.event.kind !== kind) return `kind ${checked.event.kind}, expected ${kind}`;
  return checked.event;
}

/**
 * Calls `read` on each tag; a string it returns is the reason that tag was left out and goes
 * to `issues` with the tag's position and text.
 */
export function readTags(
  tags: readonly string[][],
  read: (tag: readonly string[]) => string | null,
  issues: string[],
): void {
  tags.forEach((tag, index) => {
    const problem = read(tag);
    if (problem !== null) issues.push(`${describeTag(index, tag)}: ${problem}`);
  });
}
