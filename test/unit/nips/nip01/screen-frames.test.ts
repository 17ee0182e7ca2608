import { describe, expect, it } from "vitest";
import { preparedColumns, preparedEvent } from "../../../../src/models/prepared-event.js";
import { eventFrameSubId } from "../../../../src/nips/nip01/screen-frames.js";

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
