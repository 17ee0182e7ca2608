import type { LabelledCounter, ServiceMetrics } from "../../core/metrics.js";
import { type SkipReason, URL_SOURCES, type UrlSource } from "./extract.js";

export type UrlOutcome = "new" | "known" | "invalid";

/** Why parseRelayUrl refused a string, as a bounded label. */
export const REJECT_CLASSES = [
  "scheme",
  "credentials",
  "private",
  "length",
  "port",
  "characters",
  "empty",
  "host",
  "other",
] as const;
export type RejectClass = (typeof REJECT_CLASSES)[number];

const CLASS_PATTERNS: readonly [RegExp, RejectClass][] = [
  [/credential|userinfo/i, "credentials"],
  [/scheme/i, "scheme"],
  [/private|reserved|localhost/i, "private"],
  [/too long/i, "length"],
  [/port/i, "port"],
  [/whitespace|control/i, "characters"],
  [/empty/i, "empty"],
  [/host|address|domain|ipv6|onion|i2p|loki/i, "host"],
];

/** Maps a sanitiser reason ("credentials (userinfo) not allowed") to its class. */
export function rejectClass(reason: string): RejectClass {
  return CLASS_PATTERNS.find(([pattern]) => pattern.test(reason))?.[1] ?? "other";
}

/**
 * Counts of one cycle, mirrored into metrics as they happen (so a cycle that fails half-way
 * still shows what it did). Every URL string found is counted once: new (added as a candidate),
 * known (already a relay or candidate, or repeated) or invalid (refused by the sanitiser).
 */
export class FinderCounts {
  readonly #urls: LabelledCounter;
  readonly #rejected: LabelledCounter;
  readonly #skipped: LabelledCounter;
  readonly #totals = new Map<string, number>();

  constructor(metrics: ServiceMetrics) {
    this.#urls = metrics.counter(
      "brotr_finder_urls_total",
      "Relay URL strings found, by source and outcome (new, known, invalid)",
      ["source", "outcome"],
    );
    this.#rejected = metrics.counter(
      "brotr_finder_rejected_urls_total",
      "URL strings refused by the sanitiser, by source and reason class",
      ["source", "reason"],
    );
    this.#skipped = metrics.counter(
      "brotr_finder_skipped_inputs_total",
      "Event parts not scanned (too many URLs, oversized or non-JSON content), by reason",
      ["reason"],
    );
  }

  url(source: UrlSource, outcome: UrlOutcome, n = 1): void {
    if (n <= 0) return;
    this.#urls.inc({ source, outcome }, n);
    this.#add(`${source}_${outcome}`, n);
    this.#add(`urls_${outcome}`, n);
  }

  rejected(source: UrlSource, reason: string): void {
    const reasonClass = rejectClass(reason);
    this.#rejected.inc({ source, reason: reasonClass });
    this.url(source, "invalid");
  }

  skipped(reason: SkipReason): void {
    this.#skipped.inc({ reason });
    this.#add(`skipped_${reason}`, 1);
  }

  get(key: string): number {
    return this.#totals.get(key) ?? 0;
  }

  /** Non-zero totals for the cycle report: urls_new, nip65_known, skipped_urls_capped… */
  report(): Record<string, number> {
    const out: Record<string, number> = {
      urls_new: this.get("urls_new"),
      urls_known: this.get("urls_known"),
      urls_invalid: this.get("urls_invalid"),
    };
    for (const [key, n] of [...this.#totals].sort(([a], [b]) => (a < b ? -1 : 1))) out[key] = n;
    return out;
  }

  /** Found per source (all outcomes), for logs. */
  bySource(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const source of URL_SOURCES) {
      const n = this.get(`${source}_new`) + this.get(`${source}_known`);
      const total = n + this.get(`${source}_invalid`);
      if (total > 0) out[source] = total;
    }
    return out;
  }

  /** The cycle's `urls_by_source` log line: URLs found in all, then per source (never empty). */
  logFields(): Record<string, number> {
    const bySource = this.bySource();
    const found = Object.values(bySource).reduce((sum, n) => sum + n, 0);
    return { found, ...bySource };
  }

  #add(key: string, n: number): void {
    this.#totals.set(key, this.get(key) + n);
  }
}
