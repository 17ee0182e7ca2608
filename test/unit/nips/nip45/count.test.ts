import { describe, expect, it } from "vitest";
import { parseRelayMessage } from "../../../../src/nips/nip01/index.js";
import { encodeCount, parseCountPayload } from "../../../../src/nips/nip45/index.js";

describe("NIP-45 COUNT on the wire", () => {
  it("encodes the client's COUNT", () => {
    expect(encodeCount("c1", [{ kinds: [1] }, { since: 5 }])).toBe(
      '["COUNT","c1",{"kinds":[1]},{"since":5}]',
    );
  });

  it("parses count, approximate and hll", () => {
    expect(parseCountPayload({ count: 5 })).toEqual({
      ok: true,
      value: { count: 5, approximate: false },
    });
    const hll = "00".repeat(256);
    expect(parseCountPayload({ count: 9, approximate: true, hll })).toEqual({
      ok: true,
      value: { count: 9, approximate: true, hll },
    });
    // a non-string hll is dropped, the count kept
    expect(parseCountPayload({ count: 1, hll: 3 })).toEqual({
      ok: true,
      value: { count: 1, approximate: false },
    });
  });

  it("refuses a payload without a count", () => {
    expect(parseCountPayload({ count: -1 })).toMatchObject({ ok: false });
    expect(parseCountPayload(null)).toMatchObject({ ok: false, reason: /not an object/ });
  });

  it("the relay message parser carries the hll", () => {
    const hll = "01".repeat(256);
    const parsed = parseRelayMessage(JSON.stringify(["COUNT", "s", { count: 3, hll }]));
    expect(parsed).toMatchObject({ ok: true, message: { type: "COUNT", count: 3, hll } });
  });
});
