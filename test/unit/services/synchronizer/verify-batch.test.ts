import { describe, expect, it } from "vitest";
import type { NostrEvent } from "../../../../src/models/event-types.js";
import { batchVerifier } from "../../../../src/services/synchronizer/verify-batch.js";
import type { VerifyResult } from "../../../../src/utils/verify/pool.js";
import { fakeEvent } from "../../../db/core/helpers.js";

type SignedId = Pick<NostrEvent, "id" | "sig">;
const copy = (e: SignedId) => `${e.id}:${e.sig}`;

/** A verifier whose answers the test releases; it remembers the copies it found good. */
function heldVerifier(bad: Set<string>) {
  const known = new Set<string>();
  const release: (() => void)[] = [];
  const calls: string[][] = [];
  return {
    calls,
    release: () => {
      for (const r of release.splice(0)) r();
    },
    isKnownVerified: (e: SignedId) => known.has(copy(e)),
    markVerified: (events: Iterable<SignedId>) => {
      for (const e of events) known.add(copy(e));
    },
    verifyEvents: (events: readonly NostrEvent[]) => {
      calls.push(events.map((e) => e.id));
      return new Promise<VerifyResult[]>((resolve) => {
        release.push(() => {
          const out = events.map((e): VerifyResult => (bad.has(e.id) ? "bad-sig" : "ok"));
          events.forEach((e, i) => {
            if (out[i] === "ok") known.add(copy(e));
          });
          resolve(out);
        });
      });
    },
  };
}

/** A held verifier that fails `event` carrying a broken signature (`broken`) only. */
function forgingVerifier(event: NostrEvent) {
  const broken = {
    ...event,
    sig: `${event.sig.slice(0, -1)}${event.sig.endsWith("0") ? "1" : "0"}`,
  };
  const verifier = heldVerifier(new Set());
  const bySig = {
    ...verifier,
    verifyEvents: (events: readonly NostrEvent[]) =>
      verifier
        .verifyEvents(events)
        .then((r) =>
          r.map((x, i): VerifyResult => (events[i]?.sig === broken.sig ? "bad-sig" : x)),
        ),
  };
  return { broken, verifier, bySig };
}

describe("batchVerifier", () => {
  const good = fakeEvent("vb-good");
  const forged = fakeEvent("vb-forged");

  it("gives a copy arriving while its id is being checked the same answer, awaited", async () => {
    const verifier = heldVerifier(new Set([forged.id]));
    let skipped = 0;
    const verify = batchVerifier({
      verifier,
      lookupStored: async () => new Map(),
      onSkipped: (n) => {
        skipped += n;
      },
    });
    const first = verify([good, forged]);
    // Let the first page reach the verifier before the second copy of both arrives.
    await new Promise((r) => setImmediate(r));
    // The second page has only copies in flight: nothing of its own to send.
    const second = verify([forged, good]);
    await new Promise((r) => setImmediate(r));
    verifier.release();
    expect(await first).toEqual([true, false]);
    expect(await second).toEqual([false, true]);
    expect(verifier.calls).toEqual([[good.id, forged.id]]);
    expect(skipped).toBe(2);
  });

  it("skips the check of archived ids and tells the writer about them", async () => {
    const verifier = heldVerifier(new Set());
    const told: string[] = [];
    const verify = batchVerifier({
      verifier,
      lookupStored: async (ids) =>
        new Map(ids.filter((id) => id === good.id).map((id) => [id, good.sig])),
      onStored: (ids) => told.push(...ids),
    });
    const result = verify([good, forged]);
    await new Promise((r) => setImmediate(r));
    verifier.release();
    expect(await result).toEqual([true, true]);
    expect(verifier.calls).toEqual([[forged.id]]);
    expect(told).toEqual([good.id]);
    // Known now: a later page asks neither the database nor the verifier.
    let lookups = 0;
    const again = batchVerifier({
      verifier,
      lookupStored: async () => {
        lookups++;
        return new Map();
      },
    });
    expect(await again([good, forged])).toEqual([true, true]);
    expect(lookups).toBe(0);
    expect(verifier.calls).toHaveLength(1);
  });

  it("checks a copy itself when the copy in flight carries another signature", async () => {
    // The same event from a relay that breaks signatures, then from an honest one: the honest
    // copy must not inherit the forged copy's failure (its sighting would be lost).
    const { broken, verifier, bySig } = forgingVerifier(good);
    const verify = batchVerifier({ verifier: bySig, lookupStored: async () => new Map() });
    const forgedFirst = verify([broken]);
    await new Promise((r) => setImmediate(r));
    const honest = verify([good]);
    await new Promise((r) => setImmediate(r));
    verifier.release();
    await new Promise((r) => setImmediate(r));
    verifier.release();
    expect(await forgedFirst).toEqual([false]);
    expect(await honest).toEqual([true]);
  });

  it("checks an archived id's copy that carries another signature, or when none is stored", async () => {
    // A hostile relay serves an archived event with a forged signature: the copy must fail
    // (no sighting for it), while the writer still learns the id is archived.
    const { broken, verifier, bySig } = forgingVerifier(good);
    const told: string[] = [];
    const verify = batchVerifier({
      verifier: bySig,
      // good is archived with its signature, forged in a profile that keeps none (lilbrotr).
      lookupStored: async (ids) =>
        new Map<string, string | null>(
          ids.flatMap((id): [string, string | null][] =>
            id === good.id ? [[id, good.sig]] : id === forged.id ? [[id, null]] : [],
          ),
        ),
      onStored: (ids) => told.push(...ids),
    });
    const result = verify([broken, forged, good]);
    await new Promise((r) => setImmediate(r));
    verifier.release();
    expect(await result).toEqual([false, true, true]);
    expect(verifier.calls).toEqual([[good.id, forged.id]]);
    expect(told.sort()).toEqual([good.id, forged.id].sort());
  });
});
