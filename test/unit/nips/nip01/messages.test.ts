import { describe, expect, it } from "vitest";
import {
  encodeClose,
  encodeReq,
  parseRelayMessage,
  splitPrefix,
} from "../../../../src/nips/nip01/messages.js";

describe("parseRelayMessage", () => {
  it.each([
    ['["EVENT","s",{"id":"x"}]', { type: "EVENT", subId: "s", event: { id: "x" } }],
    ['["EOSE","s"]', { type: "EOSE", subId: "s" }],
    ['["CLOSED","s","blocked: no"]', { type: "CLOSED", subId: "s", message: "blocked: no" }],
    ['["CLOSED","s"]', { type: "CLOSED", subId: "s", message: "" }],
    ['["NOTICE","hi"]', { type: "NOTICE", message: "hi" }],
    ['["OK","ab",true,""]', { type: "OK", eventId: "ab", accepted: true, message: "" }],
    ['["OK","ab",false]', { type: "OK", eventId: "ab", accepted: false, message: "" }],
    ['["AUTH","chal"]', { type: "AUTH", challenge: "chal" }],
    ['["COUNT","s",{"count":5}]', { type: "COUNT", subId: "s", count: 5, approximate: false }],
    [
      '["COUNT","s",{"count":5,"approximate":true}]',
      { type: "COUNT", subId: "s", count: 5, approximate: true },
    ],
    ['["NEG-MSG","s","6100"]', { type: "NEG-MSG", subId: "s", message: "6100" }],
    ['["NEG-ERR","s","closed: idle"]', { type: "NEG-ERR", subId: "s", message: "closed: idle" }],
    [
      '["NEG-ERR","s","blocked: too big",1000]',
      { type: "NEG-ERR", subId: "s", message: "blocked: too big", maxRecords: 1000 },
    ],
    ['["NEG-ERR","s","blocked",-3]', { type: "NEG-ERR", subId: "s", message: "blocked" }],
    // A relay's words become storable: NUL and lone surrogates are U+FFFD.
    ['["CLOSED","s","a\\u0000b"]', { type: "CLOSED", subId: "s", message: "a\ufffdb" }],
    ['["NOTICE","x\\ud800"]', { type: "NOTICE", message: "x\ufffd" }],
    [
      '["OK","ab",false,"\\u0000"]',
      { type: "OK", eventId: "ab", accepted: false, message: "\ufffd" },
    ],
    ['["NEG-ERR","s","\\udc00!"]', { type: "NEG-ERR", subId: "s", message: "\ufffd!" }],
  ])("parses %s", (text, message) => {
    expect(parseRelayMessage(text)).toEqual({ ok: true, message });
  });

  it.each([
    ["hello", "not JSON"],
    ['{"a":1}', "not a JSON array"],
    ["[]", "empty array"],
    ["null", "not a JSON array"],
    ['["EVENT"]', "EVENT: subscription id is not a string"],
    ['["EVENT","s"]', "EVENT: missing event"],
    ['["EOSE",1]', "EOSE: subscription id is not a string"],
    ['["OK"]', 'OK: expected ["OK", id, bool, message]'],
    ['["OK","id","true","x"]', 'OK: expected ["OK", id, bool, message]'],
    ['["AUTH",{}]', "AUTH: challenge is not a string"],
    ['["COUNT","s",{"count":-1}]', "COUNT: count is not a non-negative integer"],
    ['["COUNT","s",7]', "COUNT: payload not an object"],
    ['["NEG-MSG","s",7]', "NEG-MSG: message is not a string"],
    ['["NEG-ERR",7,"closed"]', "NEG-ERR: subscription id is not a string"],
    ['["WHAT",1]', 'unknown message type "WHAT"'],
    ["[42]", "message type is not a string"],
  ])("rejects %s with a reason", (text, reason) => {
    expect(parseRelayMessage(text)).toEqual({ ok: false, reason });
  });
});

describe("splitPrefix", () => {
  it.each([
    ["auth-required: please", "auth-required", "please"],
    ["rate-limited:slow down", "rate-limited", "slow down"],
    ["error: a: b", "error", "a: b"],
    ["no prefix here", undefined, "no prefix here"],
    ["Bad: capitalised", undefined, "Bad: capitalised"],
    ["", undefined, ""],
  ])("%s", (message, prefix, text) => {
    expect(splitPrefix(message)).toEqual({ prefix, text });
  });
});

describe("encoders", () => {
  it("builds REQ and CLOSE frames", () => {
    expect(encodeReq("s1", [{ kinds: [1] }, { limit: 2 }])).toBe(
      '["REQ","s1",{"kinds":[1]},{"limit":2}]',
    );
    expect(encodeClose("s1")).toBe('["CLOSE","s1"]');
  });
});
