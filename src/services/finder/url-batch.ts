import type { Db } from "../../core/db/pool.js";
import {
  insertCandidates,
  knownUrls,
  type NewCandidate,
} from "../../core/db/service-state/candidates.js";
import { parseRelayUrl } from "../../models/index.js";
import type { Network } from "../../models/network.js";
import type { FinderCounts } from "./counts.js";
import type { UrlSource } from "./extract.js";

interface Pending {
  network: Network;
  source: UrlSource;
}

/**
 * Sanitised URLs waiting to become candidates. `add` sanitises at once (invalid strings are
 * counted then); `flush` skips known relays and candidates, inserts the rest per source (so the
 * per-source "new" count is what the database really added) and counts the outcomes.
 */
export class UrlBatch {
  readonly #counts: FinderCounts;
  readonly #pending = new Map<string, Pending>();
  /** Repeats of a URL already in the batch: known by the time they are counted. */
  readonly #repeats = new Map<UrlSource, number>();

  readonly #allowPrivate: boolean;

  /** `allowPrivate` (devnet/tests only) lets loopback and private relay URLs through. */
  constructor(counts: FinderCounts, allowPrivate = false) {
    this.#counts = counts;
    this.#allowPrivate = allowPrivate;
  }

  /** Distinct valid URLs waiting. */
  get size(): number {
    return this.#pending.size;
  }

  add(source: UrlSource, text: string): void {
    const parsed = parseRelayUrl(text, { allowPrivate: this.#allowPrivate });
    if (!parsed.ok) {
      this.#counts.rejected(source, parsed.reason);
      return;
    }
    if (this.#pending.has(parsed.url)) {
      this.#repeats.set(source, (this.#repeats.get(source) ?? 0) + 1);
      return;
    }
    this.#pending.set(parsed.url, { network: parsed.network, source });
  }

  /** Writes the candidates; returns how many were added. Empty afterwards, even on error. */
  async flush(db: Db, now: number): Promise<number> {
    const pending = [...this.#pending];
    const repeats = [...this.#repeats];
    this.#pending.clear();
    this.#repeats.clear();
    const known = await knownUrls(
      db,
      pending.map(([url]) => url),
    );
    const bySource = new Map<UrlSource, NewCandidate[]>();
    for (const [url, { network, source }] of pending) {
      if (known.has(url)) this.#counts.url(source, "known");
      else {
        const group = bySource.get(source) ?? [];
        group.push({ url, network, source: `finder:${source}` });
        bySource.set(source, group);
      }
    }
    let added = 0;
    for (const [source, candidates] of bySource) {
      const n = await insertCandidates(db, candidates, now);
      this.#counts.url(source, "new", n);
      this.#counts.url(source, "known", candidates.length - n);
      added += n;
    }
    for (const [source, n] of repeats) this.#counts.url(source, "known", n);
    return added;
  }
}
