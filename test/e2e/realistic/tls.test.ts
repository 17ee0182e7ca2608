/**
 * A realistic devnet served over TLS: the validator refuses the relays whose certificate a
 * client cannot accept, with the TLS reason, and the monitor's ssl check records what is wrong
 * with each (expired, issued for another host, self-signed). The devnet's CA is not trusted
 * in this process, so the healthy relays fail verification too, for the unknown issuer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertRelays } from "../../../src/core/db/relays.js";
import { runOnce } from "../../../src/core/service.js";
import {
  type RealisticNetwork,
  startRealisticNetwork,
} from "../../../src/devnet/realistic-network.js";
import { createTestChain } from "../../../src/devnet/tls-cert.js";
import { readCandidates } from "../../support/candidates.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { createTestContext } from "../../support/service-context.js";
import { history, monitor } from "../monitor/helpers.js";
import { relayOf, validateAll } from "./helpers.js";

let db: TestDatabase;
let net: RealisticNetwork;
let ca: string;
const NOW = Math.floor(Date.now() / 1000);

beforeAll(async () => {
  db = await createTestDatabase();
  const chain = createTestChain({ commonName: "localhost", altNames: ["localhost", "127.0.0.1"] });
  ca = chain.ca.cert;
  // 32 relays: every behaviour once, the three certificate faults included.
  net = await startRealisticNetwork({ relays: 32, seed: 9, events: 320, tls: chain, flapMs: 0 });
}, 60_000);

afterAll(async () => {
  await net?.close();
  await db?.drop();
});

describe("TLS faults of a realistic devnet", () => {
  it("the validator refuses each with the TLS reason", async () => {
    await validateAll(db.pool, net, NOW);
    const faults = {
      "tls-expired": /CERT_HAS_EXPIRED|expired/,
      // Its chain is checked before its name: with the CA untrusted, the issuer fails first.
      "tls-wrong-host": /UNABLE_TO_VERIFY_LEAF_SIGNATURE|ALTNAME/,
      "tls-self-signed": /SELF_SIGNED|self[- ]signed/,
      healthy: /UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify/,
    };
    const urls = Object.keys(faults).map((b) => relayOf(net, b).url);
    const candidates = await readCandidates(db.pool, urls);
    for (const [behaviour, reason] of Object.entries(faults)) {
      const candidate = candidates.find((c) => c.url === relayOf(net, behaviour).url);
      expect(candidate?.reason, behaviour).toMatch(/^tls: /);
      expect(candidate?.reason, behaviour).toMatch(reason);
    }
  }, 60_000);

  it("the monitor's ssl check records what is wrong with each certificate", async () => {
    const relays = ["healthy", "tls-expired", "tls-wrong-host", "tls-self-signed"].map((b) => ({
      url: relayOf(net, b).url,
      network: "clearnet" as const,
      discoveredAt: 1,
    }));
    await insertRelays(db.pool, relays);
    const t = createTestContext(db.pool, { service: "monitor", now: NOW });
    // The ssl check's verifying connection trusts the devnet's CA.
    expect((await runOnce(monitor({}, { ca }, undefined, {}, 10), t.ctx)).ok).toBe(true);
    const rows = await history(db.pool, "nip66_ssl");
    const ssl = (b: string) => rows.find((r) => r.url === relayOf(net, b).url)?.doc.data ?? {};
    expect(ssl("healthy")).toMatchObject({ ssl_valid: true, ssl_self_signed: false });
    expect(ssl("tls-expired")).toMatchObject({
      ssl_valid: false,
      ssl_invalid_reason: expect.stringMatching(/^CERT_HAS_EXPIRED/),
    });
    expect(ssl("tls-expired").ssl_expires).toBeLessThan(NOW);
    expect(ssl("tls-wrong-host")).toMatchObject({
      ssl_valid: false,
      ssl_san: ["relay.wrong-host.example"],
      ssl_invalid_reason: expect.stringMatching(/^ERR_TLS_CERT_ALTNAME_INVALID/),
    });
    expect(ssl("tls-self-signed")).toMatchObject({
      ssl_valid: false,
      ssl_self_signed: true,
      ssl_invalid_reason: expect.stringMatching(/^DEPTH_ZERO_SELF_SIGNED_CERT/),
    });
  }, 60_000);
});
