/**
 * A REQ whose EVENT frames are screened on the verifier's threads (`screen`): against hostile
 * relays it refuses and counts exactly what the main thread's screening refuses and counts,
 * keeps order, and a screener that does not answer pauses reading from the socket.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Filter, NostrEvent } from "../../../../src/models/event-types.js";
import type { RelayClient, RelayStats, ReqOptions } from "../../../../src/nips/nip01/index.js";
import { createVerifier, type Verifier } from "../../../../src/utils/verify/pool.js";
import type { FakeRelayOptions } from "../../../support/fake-relay.js";
import { generateEvents } from "../../../support/fake-user.js";
import { collect, useRelays } from "./helpers.js";

let events: NostrEvent[];
let verifier: Verifier;
const { relay, client } = useRelays(() => events);

beforeAll(async () => {
  events = await generateEvents({ count: 60, seed: 11, kinds: [1] });
  verifier = await createVerifier({ threads: 2 });
});
afterAll(async () => {
  await verifier?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The synchronizer's signature check: ids were recomputed by the screening. */
const verify = async (batch: NostrEvent[]) =>
  (await verifier.verifyEvents(batch, undefined, { idsChecked: true })).map((r) => r === "ok");

const screen = (frames: Uint8Array[], filters: readonly Filter[]) =>
  verifier.screenFrames(frames, filters);

const COUNTED = ["events", "invalid", "badId", "mismatched", "badSig", "garbageFrames"] as const;
const counted = (s: RelayStats) => Object.fromEntries(COUNTED.map((k) => [k, s[k]]));

/** One REQ on a fresh relay and connection; what it yields, refuses and counts. */
async function run(knobs: FakeRelayOptions, filters: Filter[], opts: ReqOptions) {
  const r = await relay(knobs);
  const c = await client(r.url, { maxPayloadBytes: 100_000 });
  const refused: (number | undefined)[] = [];
  const outcome = await collect(c.req(filters, { ...opts, onRefused: (at) => refused.push(at) }))
    .then((got) => ({ ids: got.map((e) => e.id) }))
    .catch((error: unknown) => ({ error: String(error) }));
  return {
    outcome,
    refused: refused.sort(),
    stats: counted(c.stats),
    oversized: c.stats.oversized,
  };
}

describe("a REQ screened on worker threads", () => {
  const author = () => events[0]?.pubkey ?? "";
  it.each<[string, FakeRelayOptions, () => Filter[]]>([
    ["an honest relay", {}, () => [{ limit: 60 }]],
    ["forged signatures", { invalidSignatures: true }, () => [{ limit: 30 }]],
    ["wrong ids", { corruptIds: true }, () => [{ limit: 30 }]],
    ["events outside the filter", { mismatchedEvents: true }, () => [{ authors: [author()] }]],
    ["garbage frames", { garbageFrames: true }, () => [{ limit: 20 }]],
    ["a huge frame", { oversizeFrameBytes: 200_000 }, () => [{ limit: 20 }]],
  ])("%s: refused and counted as on the main thread", async (_, knobs, filters) => {
    const here = await run(knobs, filters(), { verify });
    const there = await run(knobs, filters(), { verify, screen });
    expect(there).toEqual(here);
    if (knobs.invalidSignatures) expect(here.stats.badSig).toBe(30);
    if (knobs.corruptIds) expect(here.stats.badId).toBe(30);
    if (knobs.garbageFrames) expect(here.stats.garbageFrames).toBeGreaterThan(0);
    if (knobs.oversizeFrameBytes) expect(here.oversized).toBe(1);
    if (knobs.mismatchedEvents) expect(here.stats.mismatched).toBeGreaterThan(0);
  });
});

/** Resolves once the client paused reading. */
async function pausedBy(c: RelayClient): Promise<void> {
  while (!c.readPaused) await sleep(10);
}

describe("backpressure from the screening workers", () => {
  it("frames waiting for a screener count toward the mark: reading pauses, nothing is lost", async () => {
    const total = 5_000;
    const mark = 600;
    const r = await relay({ streamEvents: total });
    const c = await client(r.url);
    // The workers are "full": no batch is answered until released.
    let release = () => {};
    const full = new Promise<void>((resolve) => {
      release = resolve;
    });
    let batches = 0;
    const held = (frames: Uint8Array[], filters: readonly Filter[]) => {
      batches++;
      return full.then(() => screen(frames, filters));
    };
    const req = c.req([{ kinds: [1] }], { screen: held, maxQueuedEvents: mark });
    const read = collect(req);
    await pausedBy(c);
    // Paused near the mark (not at the end of the stream), nothing accepted yet.
    expect(c.stats.events).toBe(0);
    expect(batches).toBeGreaterThan(0);
    expect(c.stats.frames).toBeLessThan(total / 2);
    release();
    const got = await read;
    expect(got.map((e) => e.content)).toEqual(
      Array.from({ length: total }, (_, i) => `stream ${i}`),
    );
    expect(c.stats.readPauses).toBeGreaterThan(0);
    expect(c.readPaused).toBe(false);
  });
});
