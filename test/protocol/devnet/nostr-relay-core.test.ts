import { describe, expect, it } from "vitest";
import { makeUser } from "../../support/fake-user.js";
import { startCoreRelay } from "../../support/nostr-relay-core.js";
import { closeAndCheckLeaks, RawClient } from "./helpers.js";

const own = closeAndCheckLeaks();

describe("@nostr-relay/core harness", () => {
  it("accepts a signed event, reads it back by id and by tag+author, refuses a bad signature", async () => {
    const relay = own(await startCoreRelay({ defaultLimit: 50 }));
    const user = await makeUser("core-harness");
    const now = Math.floor(Date.now() / 1000);
    const ev = user.sign({ kind: 1, created_at: now, tags: [["t", "devnet"]], content: "hello" });
    const client = await RawClient.connect(relay.url);
    client.send(["EVENT", ev]);
    expect(await client.waitFor((m) => m[0] === "OK" && m[1] === ev.id)).toEqual([
      "OK",
      ev.id,
      true,
      "",
    ]);
    expect((await client.req("a", { ids: [ev.id] })).map((e) => e.id)).toEqual([ev.id]);
    const byTag = await client.req("b", { "#t": ["devnet"], authors: [user.pubkey] });
    expect(byTag.map((e) => e.id)).toEqual([ev.id]);
    const other = user.sign({ kind: 1, created_at: now, tags: [], content: "second" });
    const forged = { ...other, sig: ev.sig };
    client.send(["EVENT", forged]);
    const refused = await client.waitFor((m) => m[0] === "OK" && m[1] === forged.id);
    expect(refused[2]).toBe(false);
    expect(refused[3]).toMatch(/^invalid: /);
  });

  it("serves NIP-11 on the same port", async () => {
    const relay = own(await startCoreRelay({ nip11: { name: "core-under-test" } }));
    const res = await fetch(relay.httpUrl, { headers: { Accept: "application/nostr+json" } });
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(await res.json()).toEqual({ name: "core-under-test" });
  });
});
