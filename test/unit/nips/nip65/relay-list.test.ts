import { describe, expect, it } from "vitest";
import { buildRelayList } from "../../../../src/nips/nip65/relay-list.js";

describe("buildRelayList", () => {
  it("writes r tags with markers, merging a relay listed for read and write", () => {
    const template = buildRelayList(
      [
        { url: "wss://a.example", usage: "write" },
        { url: "wss://b.example", usage: "read" },
        { url: "wss://c.example", usage: "both" },
        { url: "wss://b.example", usage: "write" },
        { url: "wss://a.example", usage: "write" },
      ],
      1_760_000_000,
    );
    expect(template).toEqual({
      kind: 10002,
      created_at: 1_760_000_000,
      content: "",
      tags: [
        ["r", "wss://a.example", "write"],
        ["r", "wss://b.example"],
        ["r", "wss://c.example"],
      ],
    });
  });

  it("writes an empty list", () => {
    expect(buildRelayList([], 1).tags).toEqual([]);
  });
});
