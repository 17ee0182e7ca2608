/**
 * A dead relay (nothing listens: the connection is refused) costs no retry: rtt and ssl
 * connect once whatever their retries, and http takes rtt's failure instead of connecting
 * again. A relay that accepts and then drops the upgrade is still retried (its failure may
 * pass).
 */
import tls from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { createTestChain } from "../../../../src/devnet/tls-cert.js";
import { connectRelay } from "../../../../src/nips/nip01/connection.js";
import { checkRelay } from "../../../../src/nips/nip66/checks.js";
import { openWebSocket } from "../../../../src/utils/transport.js";
import { type FakeRelay, startFakeRelay } from "../../../support/fake-relay.js";

const relays: FakeRelay[] = [];
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.close()));
});

const retry = { retries: 2, initialDelayMs: 0, maxDelayMs: 0, jitterMs: 0 };

/** checkRelay with every connection counted (rtt's, ssl's and http's own). */
async function countedCheck(url: string, ca: string) {
  const calls = { rtt: 0, ssl: 0, http: 0 };
  const results = await checkRelay(url, {
    network: "clearnet",
    timeoutMs: 2000,
    allowPrivate: true,
    allowInsecure: true,
    rtt: {
      retry,
      connect: (u, o) => {
        calls.rtt++;
        return connectRelay(u, o);
      },
    },
    ssl: {
      retry,
      ca,
      connect: ((options: tls.ConnectionOptions) => {
        calls.ssl++;
        return tls.connect(options);
      }) as typeof tls.connect,
    },
    http: {
      retry,
      open: (u, o) => {
        calls.http++;
        return openWebSocket(u, o);
      },
    },
    dns: false,
    geo: false,
    net: false,
  });
  return { results, calls };
}

describe("a refused connection", () => {
  it("is final: rtt and ssl connect once, http takes rtt's failure", async () => {
    const chain = createTestChain();
    const r = await startFakeRelay({ tls: chain.leaf });
    relays.push(r);
    await r.stop();
    const { results, calls } = await countedCheck(r.url, chain.ca.cert);
    expect(calls).toEqual({ rtt: 1, ssl: 1, http: 0 });
    expect(results.rtt).toMatchObject({
      status: "error",
      reason: expect.stringMatching(/^refused: /),
    });
    expect(results.ssl).toMatchObject({
      status: "error",
      reason: expect.stringMatching(/^refused: /),
    });
    expect(results.http).toEqual({
      status: "error",
      reason: results.rtt.status === "error" ? results.rtt.reason : "",
      durationMs: 0,
    });
  });

  it("a dropped upgrade is retried by rtt; http still takes rtt's failure", async () => {
    const chain = createTestChain();
    const r = await startFakeRelay({
      tls: chain.leaf,
      refuse: true,
      refuseMode: "destroy",
    });
    relays.push(r);
    const { results, calls } = await countedCheck(r.url, chain.ca.cert);
    expect(calls).toEqual({ rtt: 3, ssl: 1, http: 0 });
    expect(results.rtt).toMatchObject({
      status: "error",
      reason: expect.stringMatching(/\(3 attempts\)$/),
    });
    expect(results.http).toMatchObject({
      status: "error",
      reason: results.rtt.status === "error" ? results.rtt.reason : "",
    });
  });
});
