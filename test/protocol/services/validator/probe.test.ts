import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { type ProbeResult, probeRelay } from "../../../../src/services/validator/probe.js";
import {
  type FakeRelay,
  type FakeRelayOptions,
  startFakeRelay,
} from "../../../support/fake-relay.js";

/**
 * The liveness probe against loopback fake relays (ws://127.0.0.1, so allowPrivate): only an
 * EOSE or CLOSED for the probe's own subscription, or an AUTH challenge, proves a relay. Any
 * other frame, however well formed, leaves it invalid once the deadline passes.
 */
const TIMEOUT_MS = 400;
const relays: FakeRelay[] = [];

afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.close()));
});

async function probe(
  options: FakeRelayOptions,
): Promise<{ result: ProbeResult; relay: FakeRelay }> {
  const relay = await startFakeRelay(options);
  relays.push(relay);
  const result = await probeRelay(relay.url, {
    network: "clearnet",
    timeoutMs: TIMEOUT_MS,
    allowPrivate: true,
    allowInsecure: false,
    signal: new AbortController().signal,
  });
  return { result, relay };
}

/** The REQs the relay received from the probe. */
const reqs = (relay: FakeRelay) =>
  relay.received.filter((m) => Array.isArray(m) && m[0] === "REQ") as unknown[][];

describe("probeRelay: what counts as an answer", () => {
  it.each([
    ["EOSE for its subscription", {}, "eose"],
    ["CLOSED for its subscription", { closedPrefix: "restricted" }, "closed"],
    ["an AUTH challenge", { requireAuth: true }, "auth"],
  ] as const)("valid on %s", async (_what, options, answer) => {
    const { result } = await probe(options);
    expect(result).toMatchObject({ status: "valid", answer });
  });

  it.each([
    ["only a NOTICE", { noticeOnly: true }],
    ["EOSE for another subscription", { foreignSubId: true }],
    ["CLOSED for another subscription", { foreignSubId: true, closedPrefix: "restricted" }],
  ] as const)("invalid on %s: a frame, but no answer to its REQ", async (_what, options) => {
    const { result, relay } = await probe(options);
    expect(result).toMatchObject({
      status: "invalid",
      reason: "protocol",
      detail: expect.stringMatching(/^1 frame\(s\) but no EOSE, CLOSED or AUTH within \d+ ms$/),
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(reqs(relay)).toHaveLength(1);
  });
});

describe("probeRelay: a relay's own words in the reason", () => {
  it("keeps a close reason's NUL as U+FFFD, so the candidate's reason can be stored", async () => {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((resolve) => wss.once("listening", resolve));
    wss.on("connection", (ws) => ws.on("message", () => ws.close(1008, "go\u0000away")));
    try {
      const result = await probeRelay(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, {
        network: "clearnet",
        timeoutMs: TIMEOUT_MS,
        allowPrivate: true,
        allowInsecure: false,
        signal: new AbortController().signal,
      });
      expect(result).toMatchObject({
        status: "invalid",
        reason: "protocol",
        detail: "closed by relay (code 1008: go\ufffdaway) before answering",
      });
    } finally {
      await new Promise((resolve) => wss.close(resolve));
    }
  });
});
