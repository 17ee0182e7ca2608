/**
 * startRealisticNetwork: the same seed gives the same behaviours and the same event counts,
 * every behaviour is present once there are enough relays, the TLS faults only over TLS,
 * varied software in NIP-11, and what `served` says a reader gets is what it gets.
 */
import { describe, expect, it } from "vitest";
import { FUTURE_TIME } from "../../../src/devnet/realistic/extra-events.js";
import {
  eligibleBehaviours,
  type RealisticNetwork,
  startRealisticNetwork,
} from "../../../src/devnet/realistic-network.js";
import { createTestChain } from "../../../src/devnet/tls-cert.js";
import { closeAndCheckLeaks, RawClient } from "./helpers.js";

const own = closeAndCheckLeaks();

/** What must be identical between two runs with one seed: behaviour, software, event count. */
const fingerprint = (net: RealisticNetwork) =>
  net.relays.map((r) => `${r.behaviour} ${r.software} ${r.version} ${r.events.length}`);

describe("realistic network", () => {
  it("is the same for the same seed and another for another seed", async () => {
    const opts = { relays: 12, events: 300, flapMs: 0 };
    const a = fingerprint(own(await startRealisticNetwork({ ...opts, seed: 4 })));
    const b = fingerprint(own(await startRealisticNetwork({ ...opts, seed: 4 })));
    const c = fingerprint(own(await startRealisticNetwork({ ...opts, seed: 5 })));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it("gives every behaviour a relay, its share to the rest, and varied NIP-11 documents", async () => {
    const eligible = eligibleBehaviours(false);
    const net = own(await startRealisticNetwork({ relays: 60, events: 600, seed: 2, flapMs: 0 }));
    expect(net.counts.reduce((sum, c) => sum + c.count, 0)).toBe(60);
    expect(new Set(net.relays.map((r) => r.behaviour))).toEqual(
      new Set(eligible.map((b) => b.name)),
    );
    expect(net.relays.some((r) => r.behaviour.startsWith("tls-"))).toBe(false);
    const healthy = net.counts.find((c) => c.behaviour.name === "healthy")?.count ?? 0;
    expect(healthy).toBeGreaterThan(10);
    expect(new Set(net.relays.map((r) => r.software)).size).toBeGreaterThan(3);
    const nip11 = await fetch(net.relays[0]?.url.replace("ws:", "http:") ?? "", {
      headers: { Accept: "application/nostr+json" },
    }).then((r) => r.json() as Promise<Record<string, unknown>>);
    expect(nip11.software).toBe(net.relays[0]?.software);
    expect(nip11.relay_countries).toBeDefined();
  });

  it("assigns the certificate faults only over TLS", async () => {
    const chain = createTestChain({ commonName: "localhost", altNames: ["127.0.0.1"] });
    const net = own(
      await startRealisticNetwork({ relays: 32, events: 100, seed: 3, tls: chain, flapMs: 0 }),
    );
    const names = net.relays.map((r) => r.behaviour);
    for (const fault of ["tls-expired", "tls-wrong-host", "tls-self-signed"]) {
      expect(names).toContain(fault);
    }
    expect(net.relays.every((r) => r.url.startsWith("wss://"))).toBe(true);
    const healthy = net.relays.find((r) => r.behaviour === "healthy");
    const client = await RawClient.connect(healthy?.url ?? "", { ca: chain.ca.cert });
    expect((await client.req("s", { limit: 5000 })).length).toBe(healthy?.events.length);
    const expired = net.relays.find((r) => r.behaviour === "tls-expired");
    const err = await RawClient.connect(expired?.url ?? "", { ca: chain.ca.cert }).catch(
      (e: { code?: string }) => e.code,
    );
    expect(err).toBe("CERT_HAS_EXPIRED");
  });

  it("served() is what a reader without AUTH gets; setDown closes the port and reopens it", async () => {
    const net = own(await startRealisticNetwork({ relays: 30, events: 900, seed: 6, flapMs: 0 }));
    const now = Math.floor(Date.now() / 1000);
    const read = async (behaviour: string) => {
      const r = net.relays.find((x) => x.behaviour === behaviour);
      const client = await RawClient.connect(r?.url ?? "");
      const got = await client.req("s", { limit: 5000, until: now });
      client.close();
      return {
        got: got.map((e) => e.id).sort(),
        served: r
          ?.served(now)
          .map((e) => e.id)
          .sort(),
      };
    };
    for (const behaviour of ["healthy", "auth-kinds", "events-future"]) {
      const { got, served } = await read(behaviour);
      expect(got, behaviour).toEqual(served);
    }
    const future = net.relays.find((r) => r.behaviour === "events-future");
    expect(future?.events.some((e) => e.created_at >= FUTURE_TIME)).toBe(true);
    const offline = net.relays.findIndex((r) => r.behaviour === "offline");
    expect(net.relays[offline]?.down).toBe(true);
    expect(net.relays[offline]?.served(now)).toEqual([]);
    await net.setDown(offline, false);
    const back = await RawClient.connect(net.relays[offline]?.url ?? "");
    expect((await back.req("s", { limit: 5000 })).length).toBe(net.relays[offline]?.events.length);
  });

  it("answers NIP-45 COUNT as its software does: when its NIP-11 lists 45 (khatru with the hll), else a NOTICE", async () => {
    const net = own(await startRealisticNetwork({ relays: 60, events: 1200, seed: 8, flapMs: 0 }));
    const healthy = net.relays.filter((r) => r.behaviour === "healthy");
    const seen = { counted: 0, hll: 0, notice: 0 };
    for (const r of healthy) {
      const nip11 = (await fetch(r.url.replace("ws:", "http:"), {
        headers: { Accept: "application/nostr+json" },
      }).then((res) => res.json())) as { supported_nips: number[] };
      const client = await RawClient.connect(r.url);
      client.send(["COUNT", "c", {}]);
      const answer = await client.waitFor((m) => m[0] === "COUNT" || m[0] === "NOTICE");
      client.close();
      if (nip11.supported_nips.includes(45)) {
        expect(answer[0], r.software).toBe("COUNT");
        const payload = answer[2] as { count: number; hll?: string };
        expect(payload.count).toBe(r.events.length);
        expect(payload.hll !== undefined, r.software).toBe(r.software.includes("khatru"));
        seen.counted++;
        if (payload.hll !== undefined) seen.hll++;
      } else {
        expect(answer[0], r.software).toBe("NOTICE");
        seen.notice++;
      }
    }
    expect(seen.counted).toBeGreaterThan(0);
    expect(seen.hll).toBeGreaterThan(0);
    expect(seen.notice).toBeGreaterThan(0);
  });
});
