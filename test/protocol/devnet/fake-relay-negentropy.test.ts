import { describe, expect, it } from "vitest";
import { startFakeRelay } from "../../support/fake-relay.js";
import { generateEvents } from "../../support/fake-user.js";
import { closeAndCheckLeaks, RawClient } from "./helpers.js";

const own = closeAndCheckLeaks();
const EMPTY_SET = "6100000200";

/** The NIP-77 server role of the fake relay, seen from a bare socket. */
describe("fake relay negentropy knob", () => {
  it("without the knob NEG-OPEN is an unknown verb; with it NIP-11 lists 77", async () => {
    const off = own(await startFakeRelay({}));
    const client = await RawClient.connect(off.url);
    client.send(["NEG-OPEN", "n", {}, EMPTY_SET]);
    expect((await client.waitFor((m) => m[0] === "NOTICE"))[1]).toMatch(/^unsupported: /);
    const on = own(await startFakeRelay({ negentropy: true }));
    const doc = await fetch(on.httpUrl, { headers: { Accept: "application/nostr+json" } });
    expect(((await doc.json()) as { supported_nips: number[] }).supported_nips).toContain(77);
  });

  it("answers an empty set with the relay's ids, and sessions by id", async () => {
    const events = await generateEvents({ count: 10, seed: 5, sign: false });
    const relay = own(await startFakeRelay({ events, negentropy: true }));
    const client = await RawClient.connect(relay.url);
    client.send(["NEG-OPEN", "n", {}, EMPTY_SET]);
    const [, subId, hex] = (await client.waitFor((m) => m[0] === "NEG-MSG")) as string[];
    expect(subId).toBe("n");
    // Ten records: one IdList range holding every id.
    for (const e of events) expect(hex).toContain(e.id);
    client.send(["NEG-MSG", "other", EMPTY_SET]);
    const err = await client.waitFor((m) => m[0] === "NEG-ERR" && m[1] === "other");
    expect(err[2]).toMatch(/^closed: /);
    client.send(["NEG-OPEN", "bad", {}, "zz"]);
    expect((await client.waitFor((m) => m[0] === "NEG-ERR" && m[1] === "bad"))[2]).toMatch(
      /^invalid: /,
    );
  });

  it("negMaxRecords refuses big sets with the maximum as 4th element; requireAuth refuses", async () => {
    const events = await generateEvents({ count: 10, seed: 5, sign: false });
    const relay = own(await startFakeRelay({ events, negentropy: true, negMaxRecords: 5 }));
    const client = await RawClient.connect(relay.url);
    client.send(["NEG-OPEN", "n", {}, EMPTY_SET]);
    const err = await client.waitFor((m) => m[0] === "NEG-ERR");
    expect(err[2]).toMatch(/^blocked: /);
    expect(err[3]).toBe(5);
    client.send(["NEG-OPEN", "k", { kinds: [9999] }, EMPTY_SET]);
    // A filter matching nothing is no refusal: the answer holds no id.
    const none = (await client.waitFor((m) => m[0] === "NEG-MSG" && m[1] === "k"))[2] as string;
    expect(none).toMatch(/^61/);
    for (const e of events) expect(none).not.toContain(e.id);
    relay.options.requireAuth = true;
    client.send(["NEG-OPEN", "a", {}, EMPTY_SET]);
    expect((await client.waitFor((m) => m[0] === "NEG-ERR" && m[1] === "a"))[2]).toMatch(
      /^auth-required: /,
    );
  });

  it("negDropAfter terminates the socket mid-reconciliation", async () => {
    const relay = own(await startFakeRelay({ negentropy: true, negDropAfter: 0 }));
    const client = await RawClient.connect(relay.url);
    client.send(["NEG-OPEN", "n", {}, EMPTY_SET]);
    expect(await client.closed).toBe(1006);
  });
});
