import { describe, expect, it } from "vitest";
import type { NostrEvent } from "../../../../src/models/event-types.js";
import { preparedColumns, preparedEvent } from "../../../../src/models/prepared-event.js";
import { eventFrameSubId } from "../../../../src/nips/nip01/screen-frames.js";
import { emptyStats } from "../../../../src/nips/nip01/stats.js";
import { Subscription, type SubscriptionHost } from "../../../../src/nips/nip01/subscription.js";
import { packFrames, screenFrames } from "../../../../src/utils/verify/screen.js";
import { generateEvents } from "../../../support/fake-user.js";

describe("eventFrameSubId", () => {
  it.each<[string, string | undefined]>([
    ['["EVENT","sub-1",{"id":"x"}]', "sub-1"],
    ['["EVENT","",{}]', ""],
    ['["EVENT","ünï",{}]', "ünï"],
    // Anything else is parsed the ordinary way (and routed by the parsed id).
    ['["EVENT", "sub-1", {}]', undefined],
    ['[ "EVENT","sub-1",{}]', undefined],
    ['["EVENT","a\\"b",{}]', undefined],
    ['["EOSE","sub-1"]', undefined],
    ['["EVENT","', undefined],
    ['["EVENT","unterminated', undefined],
  ])("%s -> %s", (frame, subId) => {
    expect(eventFrameSubId(Buffer.from(frame))).toBe(subId);
  });
});

describe("preparedEvent", () => {
  const fields = { id: "a", pubkey: "b", created_at: 1, kind: 1, content: "c", sig: "d" };
  const columns = {
    tagsJson: '[["t","x"],["p","y","z"]]',
    tagvaluesLiteral: '{"t:x","p:y"}',
    unstorable: null,
    sigTag: "tag",
  };

  it("parses its tags on first read only, and looks like any event to spread and JSON", () => {
    const ev = preparedEvent(fields, columns);
    expect(ev.tags).toEqual([
      ["t", "x"],
      ["p", "y", "z"],
    ]);
    expect(ev.tags).toBe(ev.tags);
    const plain = { ...fields, tags: JSON.parse(columns.tagsJson) };
    expect(JSON.parse(JSON.stringify(ev))).toEqual(plain);
    expect({ ...ev }.tags).toEqual(plain.tags);
    expect(preparedColumns(ev)).toBe(columns);
    expect(preparedColumns(plain)).toBeUndefined();
  });
});

/** A connection's side of one REQ, without a socket: frames are fed by the test. */
function host(): SubscriptionHost {
  return {
    stats: emptyStats(),
    gate: { hold() {}, release() {}, paused: false },
    send: () => true,
    register() {},
    unregister() {},
    nextSubId: () => "s1",
    disconnectError: () => new Error("gone"),
    waitAuthenticated: async () => false,
  };
}

describe("a screened REQ", () => {
  it("keeps the relay's order when some frames come parsed (written with spaces)", async () => {
    const events = await generateEvents({ count: 6, seed: 5, kinds: [1] });
    const screen = async (frames: Uint8Array[]) => screenFrames(packFrames(frames), [{}]);
    const sub = new Subscription(host(), [{}], {
      screen,
      idleTimeoutMs: 60_000,
      eoseTimeoutMs: 60_000,
      maxQueuedEvents: 100,
    });
    sub.start();
    for (const [i, ev] of events.entries()) {
      // Every other one as the connection hands it over after parsing it itself.
      if (i % 2 === 0) sub.onEventFrame(Buffer.from(JSON.stringify(["EVENT", "s1", ev])));
      else sub.onEvent(JSON.parse(JSON.stringify(ev)));
    }
    sub.onEose();
    const got: NostrEvent[] = [];
    for (let ev = await sub.next(); ev !== null; ev = await sub.next()) got.push(ev);
    expect(got.map((e) => e.id)).toEqual(events.map((e) => e.id));
  });
});
