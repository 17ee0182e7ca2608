import { describe, expect, it } from "vitest";
import { parseCommand } from "../../../../src/services/monitor/operator-commands.js";

describe("parseCommand", () => {
  it.each([
    [
      "subscribe wss://Relay.Nostr-Alerts.org/",
      { verb: "subscribe", url: "wss://relay.nostr-alerts.org" },
    ],
    [
      "  UNSUBSCRIBE   wss://relay.nostr-alerts.org  \nthanks",
      { verb: "unsubscribe", url: "wss://relay.nostr-alerts.org" },
    ],
    ["list", { verb: "list" }],
    ["hello", { verb: "help" }],
    ["subscribe", { verb: "help" }],
    ["subscribe a b", { verb: "help" }],
  ])("%j", (text, command) => {
    expect(parseCommand(text, false)).toEqual(command);
  });

  it("names a URL that is not a relay's", () => {
    const got = parseCommand("subscribe https://x.example", false);
    expect(got).toMatchObject({
      verb: "help",
      problem: expect.stringContaining("not a relay URL"),
    });
    expect(parseCommand("subscribe ws://127.0.0.1:7000", false).verb).toBe("help");
    expect(parseCommand("subscribe ws://127.0.0.1:7000", true)).toEqual({
      verb: "subscribe",
      url: "ws://127.0.0.1:7000",
    });
  });
});
