import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NostrEvent } from "../../../../src/models/event-types.js";
import { connectRelay, type RelayClient } from "../../../../src/nips/nip01/index.js";
import { fetchNip11 } from "../../../../src/nips/nip11/index.js";
import { signEvent } from "../../../../src/utils/keys.js";
import { makeUser } from "../../../support/fake-user.js";
import { type CoreRelayHandle, startCoreRelay } from "../../../support/nostr-relay-core.js";
import { collect } from "./helpers.js";

// A third-party relay implementation (@nostr-relay/core on loopback), to check that the
// client speaks NIP-01 as other relays do, not only as our fake relay does.
let relay: CoreRelayHandle;
let client: RelayClient;

beforeAll(async () => {
  relay = await startCoreRelay({ defaultLimit: 10 });
  client = await connectRelay(relay.url, {
    network: "clearnet",
    timeoutMs: 2000,
    allowPrivate: true,
  });
});

afterAll(async () => {
  await client?.close();
  await relay?.close();
});

describe("RelayClient against @nostr-relay/core", () => {
  it("publishes, reads back to EOSE and is clamped to the relay's max", async () => {
    const user = await makeUser("core");
    const now = Math.floor(Date.now() / 1000);
    const published: NostrEvent[] = [];
    for (let i = 0; i < 120; i++) {
      const ev = signEvent(
        { kind: 1, created_at: now - i, tags: [["t", "core"]], content: `n${i}` },
        user.secretKey,
      );
      expect(await client.publish(ev)).toMatchObject({ ok: true });
      published.push(ev);
    }
    const byId = await collect(client.req([{ ids: [published[5]?.id ?? ""] }]));
    expect(byId.map((e) => e.id)).toEqual([published[5]?.id]);
    expect(await collect(client.req([{ "#t": ["core"] }]))).toHaveLength(10);
    expect(await collect(client.req([{ "#t": ["core"], limit: 1000 }]))).toHaveLength(100);
    expect(client.stats).toMatchObject({ invalid: 0, badId: 0, mismatched: 0, garbageFrames: 0 });
  });

  it("gets an invalid: OK for a bad signature", async () => {
    const user = await makeUser("core-bad");
    const ev = signEvent(
      { kind: 1, created_at: Math.floor(Date.now() / 1000), tags: [], content: "x" },
      user.secretKey,
    );
    const result = await client.publish({ ...ev, sig: "0".repeat(128) });
    expect(result).toMatchObject({ ok: false, prefix: "invalid" });
  });

  it("fetches its NIP-11 document", async () => {
    const result = await fetchNip11(relay.url, {
      network: "clearnet",
      allowPrivate: true,
      timeoutMs: 2000,
    });
    expect(result).toMatchObject({ status: "ok", data: { limitation: { max_limit: 100 } } });
  });
});
