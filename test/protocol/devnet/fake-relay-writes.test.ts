import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createTestCertificate, createTestChain } from "../../../src/devnet/tls-cert.js";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { minePow, powDifficulty } from "../../../src/nips/nip13/pow.js";
import { type FakeRelayOptions, startFakeRelay } from "../../support/fake-relay.js";
import { makeUser } from "../../support/fake-user.js";
import { closeAndCheckLeaks, RawClient, sleep } from "./helpers.js";

/**
 * The write-side knobs the NIP-66 rtt check is tested against: refusals by prefix, per-kind
 * acceptance, NIP-13 PoW, writes that are lost (OK true but not stored, or no OK at all),
 * AUTH for writes only, dropped connections, and TLS with a generated certificate.
 */
const own = closeAndCheckLeaks();
const now = () => Math.floor(Date.now() / 1000);

async function note(kind = 1, content = "hello"): Promise<NostrEvent> {
  const user = await makeUser("writes");
  return user.sign({ kind, created_at: now(), tags: [], content });
}

async function publish(options: FakeRelayOptions, ev: NostrEvent) {
  const relay = own(await startFakeRelay(options));
  const client = await RawClient.connect(relay.url);
  client.send(["EVENT", ev]);
  return { relay, client };
}

async function okOf(options: FakeRelayOptions, ev: NostrEvent) {
  const { relay, client } = await publish(options, ev);
  const ok = await client.waitFor((m) => m[0] === "OK" && m[1] === ev.id);
  return { ok, relay, client };
}

describe("fake relay: write refusals", () => {
  it.each(["payment-required", "pow", "restricted", "rate-limited", "blocked"])(
    "writeRefusal %s answers OK false with that prefix and stores nothing",
    async (prefix) => {
      const ev = await note();
      const { ok, relay } = await okOf({ writeRefusal: prefix }, ev);
      expect(ok).toEqual(["OK", ev.id, false, `${prefix}: writes refused by the fake relay`]);
      expect(relay.events).toEqual([]);
    },
  );

  it("acceptKinds stores listed kinds and blocks the others", async () => {
    const text = await note(1);
    const reaction = await note(7, "+");
    const { ok, relay, client } = await okOf({ acceptKinds: [1] }, reaction);
    expect(ok).toEqual(["OK", reaction.id, false, "blocked: kind 7 is not accepted here"]);
    client.send(["EVENT", text]);
    expect(await client.waitFor((m) => m[0] === "OK" && m[1] === text.id)).toEqual([
      "OK",
      text.id,
      true,
      "",
    ]);
    expect(relay.events.map((e) => e.id)).toEqual([text.id]);
  });

  it("minPowDifficulty refuses a weak id and stores a mined one", async () => {
    const user = await makeUser("writes");
    // Fixed created_at: deterministic keys and signatures make the id (and its difficulty) fixed.
    const template = { kind: 1, created_at: 1_700_000_000, tags: [], content: "work" };
    const weak = user.sign(template);
    const weakBits = powDifficulty(weak.id);
    expect(weakBits).toBeLessThan(12);
    const mined = minePow(template, user.pubkey, 12);
    if (mined === null) throw new Error("mining failed");
    const strong = user.sign(mined);
    expect(powDifficulty(strong.id)).toBeGreaterThanOrEqual(12);
    const { relay, client } = await publish({ minPowDifficulty: 12 }, weak);
    const refused = await client.waitFor((m) => m[0] === "OK" && m[1] === weak.id);
    expect(refused).toEqual(["OK", weak.id, false, `pow: difficulty ${weakBits} is less than 12`]);
    client.send(["EVENT", strong]);
    expect((await client.waitFor((m) => m[0] === "OK" && m[1] === strong.id))[2]).toBe(true);
    expect(relay.events.map((e) => e.id)).toContain(strong.id);
  });

  it("requireAuthForWrites: reads are open, writes need AUTH", async () => {
    const ev = await note();
    const { ok, client } = await okOf({ requireAuthForWrites: true, events: [ev] }, ev);
    expect(ok[2]).toBe(false);
    expect(ok[3]).toBe("auth-required: authenticate with NIP-42 to publish");
    expect(client.messages[0]?.[0]).toBe("AUTH");
    expect((await client.req("r", { ids: [ev.id] })).map((e) => e.id)).toEqual([ev.id]);
  });
});

describe("fake relay: lost writes and dropped connections", () => {
  it('dropWrites "unstored" says OK true but keeps nothing', async () => {
    const ev = await note();
    const { ok, relay, client } = await okOf({ dropWrites: "unstored" }, ev);
    expect(ok).toEqual(["OK", ev.id, true, ""]);
    expect(relay.events).toEqual([]);
    expect(await client.req("r", { ids: [ev.id] })).toEqual([]);
  });

  it('dropWrites "no-ok" never answers the EVENT', async () => {
    const ev = await note();
    const { relay, client } = await publish({ dropWrites: "no-ok" }, ev);
    await client.req("r", {});
    await sleep(50);
    expect(client.messages.filter((m) => m[0] === "OK")).toEqual([]);
    expect(relay.events).toEqual([]);
  });

  it.each(["REQ", "EVENT"] as const)("disconnectOn %s terminates the socket", async (verb) => {
    const relay = own(await startFakeRelay({ disconnectOn: verb }));
    const client = await RawClient.connect(relay.url);
    client.send(verb === "REQ" ? ["REQ", "s", {}] : ["EVENT", await note()]);
    expect(await client.closed).toBe(1006);
    expect(client.messages).toEqual([]);
  });

  it('disconnectOn "open" lets the upgrade through, then terminates', async () => {
    const relay = own(await startFakeRelay({ disconnectOn: "open" }));
    const client = await RawClient.connect(relay.url);
    expect(await client.closed).toBe(1006);
    expect(relay.totalConnections).toBe(1);
  });
});

describe("fake relay: TLS and the NIP-11 it advertises", () => {
  it("serves wss:// and https:// with a generated chain a client can verify", async () => {
    const { ca, leaf } = createTestChain();
    const relay = own(await startFakeRelay({ tls: leaf }));
    expect(relay.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
    expect(relay.httpUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const client = await RawClient.connect(relay.url, { ca: ca.cert });
    expect(await client.req("s", {})).toEqual([]);
    await expect(RawClient.connect(relay.url)).rejects.toMatchObject({
      code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    });
    const x509 = new X509Certificate(leaf.cert);
    expect(x509.issuer).toBe("O=bigbrotr devnet\nCN=bigbrotr devnet CA");
    expect(x509.subject).toBe("CN=relay.test");
    expect(x509.checkIssued(new X509Certificate(ca.cert))).toBe(true);
  });

  it("a self-signed certificate is its own issuer and a CA", () => {
    const self = new X509Certificate(createTestCertificate({ commonName: "me.test" }).cert);
    expect(self.subject).toBe("CN=me.test");
    expect(self.issuer).toBe("CN=me.test");
    expect(self.ca).toBe(true);
    expect(self.subjectAltName).toBe(
      "DNS:me.test, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1",
    );
    expect(self.verify(self.publicKey)).toBe(true);
  });

  it("the default NIP-11 reflects the write policy", async () => {
    const relay = own(
      await startFakeRelay({ writeRefusal: "payment-required", minPowDifficulty: 8 }),
    );
    const res = await fetch(relay.httpUrl, { headers: { Accept: "application/nostr+json" } });
    const doc = (await res.json()) as { limitation: Record<string, unknown> };
    expect(doc.limitation).toMatchObject({
      payment_required: true,
      restricted_writes: false,
      min_pow_difficulty: 8,
    });
  });
});
