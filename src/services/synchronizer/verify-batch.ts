/**
 * The synchronizer's signature check of a page: each (id, signature) once. A copy whose id
 * is archived with the same signature, or was verified with it earlier in this process,
 * skips the Schnorr check; a copy of an archived id carrying another signature is checked
 * (a forged signature on a known id earns no sighting). The relay client has recomputed
 * every id before it asks (Subscription's screenEvent), so the verifier is told not to hash
 * the ids again.
 */
import type { NostrEvent } from "../../models/event-types.js";
import { preparedColumns } from "../../models/prepared-event.js";
import type { VerifyBatch } from "../../nips/nip01/index.js";
import type { Verifier } from "../../utils/verify/pool.js";

export interface BatchVerifierDeps {
  verifier: Pick<Verifier, "isKnownVerified" | "markVerified" | "verifyEvents">;
  /** Which of these ids are archived, with the stored signature (null: none kept). */
  lookupStored: (ids: string[]) => Promise<Map<string, string | null>>;
  /** Told the archived ids found, so the writer sends only their sightings. */
  onStored?: (ids: Set<string>) => void;
  /** Signature checks skipped in a call (known ids, or copies waiting for a check). */
  onSkipped?: (n: number) => void;
  signal?: AbortSignal;
}

export function batchVerifier(deps: BatchVerifierDeps): VerifyBatch {
  const { verifier } = deps;
  // Copies of one event arrive from several relays at once: the second copy waits for the
  // first one's check instead of repeating it (the verifier only knows an id once checked).
  // Only a copy with the same signature: an honest copy must not inherit the failure of a
  // forged one checked first (its sighting, or the event itself, would be lost).
  const inflight = new Map<string, Promise<boolean>>();
  // Keyed by the signature's short tag when the event was screened with one (no 193-char key).
  const key = (e: NostrEvent) => `${e.id}:${preparedColumns(e)?.sigTag ?? e.sig}`;
  return async (events: NostrEvent[]) => {
    // Copies known before the look-up are not looked up in the cache again below.
    const known = events.map((e) => verifier.isKnownVerified(e));
    const unknown = events.filter((_, i) => !known[i]);
    if (unknown.length > 0) {
      const stored = await deps.lookupStored(unknown.map((e) => e.id));
      verifier.markVerified(unknown.filter((e) => stored.get(e.id) === e.sig));
      deps.onStored?.(new Set(stored.keys()));
    }
    const results: (boolean | Promise<boolean>)[] = new Array(events.length);
    const mine: NostrEvent[] = [];
    const slots: number[] = [];
    let skipped = 0;
    events.forEach((e, i) => {
      const pending = known[i] ? undefined : inflight.get(key(e));
      if (known[i] || verifier.isKnownVerified(e)) results[i] = true;
      else if (pending !== undefined) results[i] = pending;
      else {
        mine.push(e);
        slots.push(i);
        return;
      }
      skipped++;
    });
    if (skipped > 0) deps.onSkipped?.(skipped);
    // Copies waiting for another page's check are promises: every result is awaited, also
    // when this page sends nothing to the verifier itself.
    if (mine.length === 0) return Promise.all(results);
    const checked = verifier
      .verifyEvents(mine, deps.signal, { idsChecked: true })
      .then((r) => r.map((x) => x === "ok"));
    mine.forEach((e, k) => {
      const own = checked.then((r) => r[k] === true);
      inflight.set(key(e), own);
      void own.finally(() => inflight.delete(key(e))).catch(() => {});
      results[slots[k] as number] = own;
    });
    return Promise.all(results);
  };
}
