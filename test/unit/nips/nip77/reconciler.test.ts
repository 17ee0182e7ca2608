import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { NegProtocolError } from "../../../../src/nips/nip77/errors.js";
import { Reconciler } from "../../../../src/nips/nip77/reconciler.js";
import { type NegRecord, RecordSet } from "../../../../src/nips/nip77/records.js";
import { fromHex } from "../../../../src/nips/nip77/wire.js";

/** `n` records, deterministic ids, `perSecond` of them sharing each timestamp. */
function universe(n: number, perSecond = 3): NegRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    timestamp: 1_700_000_000 + Math.floor(i / perSecond),
    id: createHash("sha256").update(`record ${i}`).digest("hex"),
  }));
}

/** Every `1/share`-th record, starting at `offset` (scattered, not one block). */
const without = (records: NegRecord[], pct: number, offset = 0) =>
  records.filter((_, i) => (i + offset) % 100 >= pct);

interface Outcome {
  have: Set<string>;
  need: Set<string>;
  rounds: number;
  sent: number;
  received: number;
  maxMessage: number;
}

function reconcile(
  client: readonly NegRecord[],
  server: readonly NegRecord[],
  frameSizeLimit = 0,
): Outcome {
  const ini = new Reconciler(RecordSet.from(client), "initiator", { frameSizeLimit });
  const res = new Reconciler(RecordSet.from(server), "responder", { frameSizeLimit });
  const out: Outcome = {
    have: new Set(),
    need: new Set(),
    rounds: 0,
    sent: 0,
    received: 0,
    maxMessage: 0,
  };
  let message: Uint8Array | null = ini.initiate();
  while (message !== null) {
    const answer = res.respond(message);
    out.rounds++;
    out.sent += message.length;
    out.received += answer.length;
    out.maxMessage = Math.max(out.maxMessage, message.length, answer.length);
    const step = ini.reconcile(answer);
    for (const id of step.have) {
      expect(out.have.has(id)).toBe(false); // each id reported once
      out.have.add(id);
    }
    for (const id of step.need) {
      expect(out.need.has(id)).toBe(false);
      out.need.add(id);
    }
    message = step.next;
    expect(out.rounds).toBeLessThan(2000);
  }
  return out;
}

function expectDiff(out: Outcome, client: readonly NegRecord[], server: readonly NegRecord[]) {
  const c = new Set(client.map((r) => r.id as string));
  const s = new Set(server.map((r) => r.id as string));
  expect([...out.have].sort()).toEqual([...c].filter((id) => !s.has(id)).sort());
  expect([...out.need].sort()).toEqual([...s].filter((id) => !c.has(id)).sort());
}

describe("reconciliation between two instances", () => {
  const all = universe(20_000);

  it("0 %: in sync after one round trip, a few hundred bytes whatever the size", () => {
    const out = reconcile(all, all);
    expect(out.rounds).toBe(1);
    expect(out.have.size + out.need.size).toBe(0);
    expect(out.sent).toBeLessThan(600);
    expect(out.received).toBe(1); // the version byte: everything else is an implicit Skip
  });

  it.each([
    ["1 % missing here", without(all, 1), all],
    ["50 % missing here", without(all, 50), all],
    ["1 % missing on each side", without(all, 1), without(all, 1, 50)],
    ["50 % missing on each side", without(all, 50), without(all, 50, 50)],
    ["empty here", [], all],
    ["empty there", all, []],
    ["both empty", [], []],
  ])("%s: the exact differences, each id once", (_, client, server) => {
    const out = reconcile(client, server);
    expectDiff(out, client, server);
  });

  it("1 % scattered: a few round trips, a fraction of the bytes of the ids", () => {
    const out = reconcile(without(all, 1), all);
    // log16(20,000 / 32) ≈ 2.3 splits each way.
    expect(out.rounds).toBeLessThanOrEqual(3);
    // 200 differences in 20,000 records: each costs about one leaf IdList (under 32 ids) and
    // its fingerprints, under a quarter of the 640 KB that listing every id would take.
    expect(out.sent + out.received).toBeLessThan(160_000);
  });

  it("keeps every message under the frame size limit, at the price of more rounds", () => {
    const some = all.slice(0, 5000);
    const cases: [NegRecord[], NegRecord[]][] = [
      [without(some, 50), some],
      [[], some],
      [some, without(some, 30, 7)],
    ];
    for (const [client, server] of cases) {
      const limited = reconcile(client, server, 4096);
      expect(limited.maxMessage).toBeLessThanOrEqual(4096);
      expectDiff(limited, client, server);
      expect(limited.rounds).toBeGreaterThan(reconcile(client, server).rounds);
    }
  });

  it("separates records of one second by id prefixes", () => {
    const crowded = universe(5000, 5000);
    const out = reconcile(without(crowded, 3), without(crowded, 2, 40));
    expectDiff(out, without(crowded, 3), without(crowded, 2, 40));
  });
});

describe("malformed messages", () => {
  const set = RecordSet.from(universe(100));

  it("the responder answers another version with the one it speaks", () => {
    const res = new Reconciler(set, "responder");
    expect(Buffer.from(res.respond(fromHex("62000002"))).toString("hex")).toBe("61");
  });

  it.each([
    ["another version", "62"],
    ["an unknown mode", "61000003"],
    ["a truncated fingerprint", "61000001abcd"],
    ["an id list longer than the message", "6100000205aa"],
  ])("the initiator refuses %s", (_, hex) => {
    const ini = new Reconciler(set, "initiator");
    ini.initiate();
    expect(() => ini.reconcile(fromHex(hex))).toThrow(NegProtocolError);
  });

  it("refuses a frame size limit below 4096", () => {
    expect(() => new Reconciler(set, "initiator", { frameSizeLimit: 1000 })).toThrow(RangeError);
  });
});
