/**
 * Screening EVENT frames on the verifier's threads (utils/verify/screen.ts) against the relay
 * client's own screening on the main thread: the same verdicts, counted the same way, the same
 * events, and the same archive columns as the writer computes from a parsed event.
 */
import { Worker } from "node:worker_threads";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { eventCopyLine, prepareEvents } from "../../../src/core/db/events.js";
import type { Filter, NostrEvent } from "../../../src/models/event-types.js";
import { preparedColumns } from "../../../src/models/prepared-event.js";
import { parseRelayMessage } from "../../../src/nips/nip01/messages.js";
import { countScreened, screenEvent } from "../../../src/nips/nip01/screen-frames.js";
import { emptyStats } from "../../../src/nips/nip01/stats.js";
import { signatureTag } from "../../../src/utils/verify/id-cache.js";
import { createVerifier, type Verifier } from "../../../src/utils/verify/pool.js";
import { packFrames, screenFrames } from "../../../src/utils/verify/screen.js";
import { spawnVerifyWorker } from "../../../src/utils/verify/worker-pool.js";
import { rehashed, wasmSignedEvents, withTamperedContent, withTamperedSig } from "./events.js";

const FILTERS: Filter[] = [{ kinds: [0, 1, 3, 30023] }];
const frame = (ev: unknown) => JSON.stringify(["EVENT", "s1", ev]);
const bytesOf = (list: readonly string[]) => list.map((f) => Buffer.from(f));

let frames: string[];

beforeAll(async () => {
  const good = await wasmSignedEvents(120);
  frames = good.map((ev, i) => {
    switch (i % 9) {
      case 1:
        return frame(withTamperedContent(ev)); // wrong id
      case 2:
        return frame(withTamperedSig(ev)); // passes screening; the signature check refuses it
      case 3:
        return frame({ ...ev, tags: [[1]] }); // invalid shape, created_at kept
      case 4:
        return frame({ ...ev, created_at: "soon" }); // invalid shape, no created_at
      case 5:
        return i % 2 === 0 ? "not json" : '["EVENT","s1"]'; // garbage
      case 6:
        return frame({ ...ev, content: `${ev.content}\u0000` }); // wrong id (NUL)
      default:
        return frame(ev); // kind 7 of these is outside the filter: mismatched
    }
  });
});

/** The main thread's screening of the frames: what the connection and screenEvent do. */
function screenedHere(list: readonly string[]) {
  const stats = emptyStats();
  const refused: (number | undefined)[] = [];
  const events: NostrEvent[] = [];
  for (const text of list) {
    const parsed = parseRelayMessage(text);
    if (!parsed.ok || parsed.message.type !== "EVENT") {
      stats.garbageFrames++;
      continue;
    }
    const ev = screenEvent(parsed.message.event, FILTERS, stats, (at) => refused.push(at));
    if (ev !== null) events.push(ev);
  }
  return { stats, refused, events };
}

function screenedThere(reply: ReturnType<typeof screenFrames>) {
  const stats = emptyStats();
  const refused: (number | undefined)[] = [];
  const events = countScreened(reply, stats, (at) => refused.push(at));
  return { stats, refused, events };
}

const plain = (events: readonly NostrEvent[]) => JSON.parse(JSON.stringify(events));

describe("screenFrames", () => {
  it("refuses and counts exactly as the main thread, and accepts the same events", () => {
    const here = screenedHere(frames);
    const there = screenedThere(screenFrames(packFrames(bytesOf(frames)), FILTERS));
    expect(there.stats).toEqual(here.stats);
    expect(there.refused).toEqual(here.refused);
    expect(plain(there.events)).toEqual(plain(here.events));
    // Every kind of refusal occurs in the batch.
    const { invalid, badId, mismatched, garbageFrames } = here.stats;
    expect(Math.min(invalid, badId, mismatched, garbageFrames)).toBeGreaterThan(0);
    expect(here.events.length).toBeGreaterThan(40);
  });

  it("hands the writer the columns it would compute from the parsed events", () => {
    const here = screenedHere(frames).events;
    const there = screenedThere(screenFrames(packFrames(bytesOf(frames)), FILTERS)).events;
    const a = prepareEvents(here).rows;
    const b = prepareEvents(there).rows;
    expect(b.map((r) => r.tagsJson)).toEqual(a.map((r) => JSON.stringify(r.event.tags)));
    for (const profile of ["bigbrotr", "lilbrotr"] as const) {
      expect(b.map((r) => eventCopyLine(r, profile))).toEqual(
        a.map((r) => eventCopyLine(r, profile)),
      );
    }
    const first = there[0] as NostrEvent;
    expect(preparedColumns(first)?.sigTag).toBe(signatureTag(first.sig));
  });

  it("reports an event PostgreSQL cannot store as the writer would", async () => {
    const [ev] = await wasmSignedEvents(1);
    // Its id matches (the signature does not: screening does not check it).
    const lone = rehashed(ev as NostrEvent, { content: "lone \ud800 surrogate" });
    const there = screenedThere(screenFrames(packFrames(bytesOf([frame(lone)])), FILTERS)).events;
    expect(there).toHaveLength(1);
    expect(prepareEvents(there).rejected).toEqual(prepareEvents([lone]).rejected);
    expect(prepareEvents([lone]).rejected).toEqual([
      { id: lone.id, reason: "unstorable: lone surrogate" },
    ]);
  });
});

const open: Verifier[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((v) => v.close()));
});

/** A worker that says ready and then dies on its first message. */
function crashingWorker(): Worker {
  const code = `
    const { parentPort } = require("node:worker_threads");
    parentPort.postMessage({ type: "ready", backend: "wasm" });
    parentPort.on("message", () => process.exit(7));`;
  return new Worker(code, { eval: true });
}

describe("Verifier.screenFrames", () => {
  it("on worker threads answers exactly as inline", async () => {
    const inline = await createVerifier({ threads: 0 });
    const pooled = await createVerifier({ threads: 2 });
    open.push(inline, pooled);
    const a = screenedThere(await inline.screenFrames(bytesOf(frames), FILTERS));
    const b = screenedThere(await pooled.screenFrames(bytesOf(frames), FILTERS));
    expect(b.stats).toEqual(a.stats);
    expect(b.refused).toEqual(a.refused);
    expect(plain(b.events)).toEqual(plain(a.events));
  });

  it("a worker that crashes on a batch is replaced; the batch is answered once, whole", async () => {
    let spawned = 0;
    const v = await createVerifier({
      threads: 1,
      spawnWorker: (b) => (spawned++ === 0 ? crashingWorker() : spawnVerifyWorker(b)),
    });
    open.push(v);
    const expected = screenedHere(frames);
    const got = screenedThere(await v.screenFrames(bytesOf(frames), FILTERS));
    expect(spawned).toBe(2);
    expect(got.stats).toEqual(expected.stats);
    expect(plain(got.events)).toEqual(plain(expected.events));
  });

  it("a batch whose retry dies too is an error, not a partial answer", async () => {
    const v = await createVerifier({ threads: 1, spawnWorker: crashingWorker });
    open.push(v);
    await expect(v.screenFrames(bytesOf(frames), FILTERS)).rejects.toThrow(/died/);
  });
});
