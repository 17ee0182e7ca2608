/**
 * The vocabulary of NIP-66 kind 30166 shared by its builder and its reader: the kinds, the
 * NIP-32 label namespaces (each declared by one `L` tag), and the rule for a tag value taken
 * from what a relay said about itself (short, printable, no NUL), so a hostile NIP-11 or
 * header cannot make our events unpublishable.
 */

/** Relay discovery (addressable: one per relay per monitor). */
export const RELAY_DISCOVERY_KIND = 30166;
/** Monitor announcement (replaceable: one per monitor). */
export const MONITOR_ANNOUNCEMENT_KIND = 10166;

/**
 * Label namespaces, in the order their `L` + `l` tags are emitted. The names are the ones
 * BigBrotr and nips#2241 use, so consumers of either can filter on them.
 */
export const LABEL_NAMESPACES = {
  language: "ISO-639-1",
  country: "ISO-3166-1",
  city: "nip66.label.city",
  timezone: "IANA-tz",
  asn: "IANA-asn",
  asnOrg: "IANA-asnOrg",
} as const;
export type LabelNamespace = (typeof LABEL_NAMESPACES)[keyof typeof LABEL_NAMESPACES];
export const LABEL_NAMESPACE_ORDER: readonly string[] = Object.values(LABEL_NAMESPACES);

/** The parts of a 30166 that can be left out (a subset of what was checked). */
export const DISCOVERY_PARTS = ["nip11", "rtt", "ssl", "dns", "geo", "net", "http"] as const;
export type DiscoveryPart = (typeof DISCOVERY_PARTS)[number];

/** Requirement keys of `R` tags (NIP-11 limitation booleans), in emission order. */
export const REQUIREMENT_KEYS = ["auth", "payment", "writes", "pow"] as const;
export type RequirementKey = (typeof REQUIREMENT_KEYS)[number];

/** Longest value (UTF-16 units) taken from a relay into a tag. */
export const MAX_TAG_VALUE_LENGTH = 256;
/** At most this many `N`, `t` or language tags from one NIP-11 document. */
export const MAX_LIST_TAGS = 100;

// C0/C1 controls (NUL included) and lone surrogates: refused by relays and by PostgreSQL.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** `value` trimmed when it can go into a tag as is; null when empty, too long or unprintable. */
export function tagValue(value: string): string | null {
  const text = value.trim();
  if (text === "" || text.length > MAX_TAG_VALUE_LENGTH) return null;
  if (UNPRINTABLE.test(text) || LONE_SURROGATE.test(text)) return null;
  return text;
}
