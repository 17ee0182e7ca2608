/**
 * Where relay URLs hide in a stored event. Pure: strings out, no sanitising (the caller runs
 * every string through parseRelayUrl and counts the rejects).
 *
 * Sources, full profile (tags and content stored):
 *   nip65         `r` tags of kind 10002
 *   nip66         `d` tags of kind 30166 (a hex pubkey `d`, for relays without a URL, is skipped)
 *   hint          index 2 of `p`/`e`/`a` tags, when it carries a scheme (that slot also holds
 *                 NIP-10 markers and NIP-56 report reasons, which are not counted as invalid)
 *   tag           index 1 of any other single-letter tag, when it starts with ws:// or wss://
 *   relays_tag    every value after index 0 of a `relays` tag (NIP-57 zap requests), also inside
 *                 the zap request embedded in a kind 9735 receipt's `description`
 *   kind3_content keys of the legacy JSON relay map in kind 3 content
 *   kind2         kind 2 content (NIP-01's deprecated "recommend relay")
 * Lilbrotr stores neither tags nor content, only `tagvalues` ("x:value" for single-letter tags,
 * values ≤ 1024 bytes): nip65, nip66 and tag work from those; hint, relays_tag, kind3_content
 * and kind2 are unavailable there.
 */

export const URL_SOURCES = [
  "nip65",
  "hint",
  "kind3_content",
  "kind2",
  "tag",
  "relays_tag",
  "nip66",
  "api",
] as const;
export type UrlSource = (typeof URL_SOURCES)[number];

/** Inputs skipped whole, counted by reason (a bounded label set). */
export const SKIP_REASONS = [
  "urls_capped",
  "content_too_large",
  "content_not_json",
  "content_not_object",
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** One stored event as the scan query returns it. */
export interface ScannedEvent {
  kind: number;
  /** Parsed jsonb; anything (hostile events may hold junk). Null in lilbrotr. */
  tags: unknown;
  /** Only read when `tags` is null (lilbrotr). */
  tagvalues: readonly string[] | null;
  /** Content of kinds 2 and 3 only, null when absent or over the size limit. */
  content: string | null;
  /** True when the query left out content over its size limit. */
  contentTooLarge?: boolean;
}

export interface FoundUrl {
  source: UrlSource;
  text: string;
}

export interface Extraction {
  found: FoundUrl[];
  skipped: SkipReason[];
}

/** At most this many strings are taken from one event; the rest is dropped and counted. */
export const MAX_URLS_PER_EVENT = 1000;
/** Larger kind-3 content or zap description is not JSON.parse'd. */
export const MAX_JSON_BYTES = 256 * 1024;
/** Longer strings are cut to this before sanitising: still too long to pass, cheap to reject. */
const MAX_TEXT = 4096;

const HINT_TAGS = new Set(["p", "e", "a"]);
const HAS_SCHEME = /^\s*[a-z][a-z0-9+.-]*:\/\//i;
const WS_PREFIX = /^\s*wss?:\/\//i;
const HEX_PUBKEY = /^[0-9a-f]{64}$/;

class Collector {
  readonly found: FoundUrl[] = [];
  readonly skipped: SkipReason[] = [];
  capped = false;

  add(source: UrlSource, value: unknown): void {
    if (typeof value !== "string" || value.trim() === "") return;
    if (this.found.length >= MAX_URLS_PER_EVENT) {
      if (!this.capped) this.skipped.push("urls_capped");
      this.capped = true;
      return;
    }
    this.found.push({ source, text: value.length > MAX_TEXT ? value.slice(0, MAX_TEXT) : value });
  }

  skip(reason: SkipReason): void {
    this.skipped.push(reason);
  }
}

/** A single-letter tag's value (index 1), from `tags` or from `tagvalues`. */
function fromIndexed(kind: number, name: string, value: unknown, out: Collector): void {
  if (typeof value !== "string") return;
  if (kind === 10002 && name === "r") out.add("nip65", value);
  else if (kind === 30166 && name === "d") {
    if (!HEX_PUBKEY.test(value)) out.add("nip66", value);
  } else if (WS_PREFIX.test(value)) out.add("tag", value);
}

function parseJsonObject(text: string, out: Collector): Record<string, unknown> | null {
  if (text.length > MAX_JSON_BYTES) {
    out.skip("content_too_large");
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    out.skip("content_not_json");
    return null;
  }
  if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
    return parsed as Record<string, unknown>;
  }
  out.skip("content_not_object");
  return null;
}

/** `relays` tags of the zap request a kind 9735 receipt embeds in its `description`. */
function fromZapDescription(description: unknown, out: Collector): void {
  if (typeof description !== "string" || description.trim() === "") return;
  const request = parseJsonObject(description, out);
  if (request === null || !Array.isArray(request.tags)) return;
  for (const tag of request.tags) {
    if (Array.isArray(tag) && tag[0] === "relays") {
      for (const value of tag.slice(1)) out.add("relays_tag", value);
    }
  }
}

function fromTag(kind: number, tag: unknown, out: Collector): void {
  if (!Array.isArray(tag) || typeof tag[0] !== "string") return;
  const name = tag[0];
  if (name.length === 1) fromIndexed(kind, name, tag[1], out);
  if (HINT_TAGS.has(name) && typeof tag[2] === "string" && HAS_SCHEME.test(tag[2])) {
    out.add("hint", tag[2]);
  }
  if (name === "relays") for (const value of tag.slice(1)) out.add("relays_tag", value);
  if (kind === 9735 && name === "description") fromZapDescription(tag[1], out);
}

function fromTagValues(kind: number, tagvalues: readonly unknown[], out: Collector): void {
  for (const entry of tagvalues) {
    if (out.capped) return;
    if (typeof entry !== "string") continue;
    const sep = entry.indexOf(":");
    if (sep < 1 || [...entry.slice(0, sep)].length !== 1) continue;
    fromIndexed(kind, entry.slice(0, sep), entry.slice(sep + 1), out);
  }
}

function fromContent(event: ScannedEvent, out: Collector): void {
  if (event.kind !== 2 && event.kind !== 3) return;
  if (event.contentTooLarge) {
    out.skip("content_too_large");
    return;
  }
  const content = event.content;
  if (typeof content !== "string" || content.trim() === "") return;
  if (event.kind === 2) {
    out.add("kind2", content);
    return;
  }
  const map = parseJsonObject(content, out);
  if (map !== null) for (const key of Object.keys(map)) out.add("kind3_content", key);
}

/** Every candidate string in one event, with its source; at most MAX_URLS_PER_EVENT. */
export function extractUrls(event: ScannedEvent): Extraction {
  const out = new Collector();
  if (Array.isArray(event.tags)) {
    for (const tag of event.tags) {
      if (out.capped) break;
      fromTag(event.kind, tag, out);
    }
  } else if (event.tags === null && Array.isArray(event.tagvalues)) {
    fromTagValues(event.kind, event.tagvalues, out);
  }
  fromContent(event, out);
  return { found: out.found, skipped: out.skipped };
}
