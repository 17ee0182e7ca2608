import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestCertificate } from "../../../../src/devnet/tls-cert.js";
import type { NostrEvent } from "../../../../src/models/event-types.js";
import { connectRelay } from "../../../../src/nips/nip01/index.js";
import { powDifficulty } from "../../../../src/nips/nip13/pow.js";
import { checkRtt, type RttOptions } from "../../../../src/nips/nip66/rtt.js";
import { WRITE_PROBE_D_TAG } from "../../../../src/nips/nip66/rtt-write.js";
import type { Resolver } from "../../../../src/utils/dns.js";
import {
  type FakeRelay,
  type FakeRelayOptions,
  startFakeRelay,
} from "../../../support/fake-relay.js";
import { makeUser } from "../../../support/fake-user.js";

/**
 * The rtt check against loopback fake relays: each case asserts the whole result, timings
 * by range. Policy refusals are data (status "refused" with the relay's words), not failures.
 */
const TIMEOUT_MS = 400;
const relays: FakeRelay[] = [];
let secretKey: Uint8Array;
let pubkey: string;

beforeAll(async () => {
  const monitor = await makeUser("nip66-monitor");
  secretKey = monitor.secretKey;
  pubkey = monitor.pubkey;
});

afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.close()));
});

async function relay(options: FakeRelayOptions = {}): Promise<FakeRelay> {
  const started = await startFakeRelay(options);
  relays.push(started);
  return started;
}

type Extra = Partial<RttOptions> & { noKey?: true };

const base = ({ noKey, ...extra }: Extra = {}): RttOptions => ({
  network: "clearnet",
  timeoutMs: TIMEOUT_MS,
  allowPrivate: true,
  ...(noKey ? {} : { secretKey }),
  ...extra,
});

async function rtt(options: FakeRelayOptions, extra: Extra = {}) {
  const r = await relay(options);
  return { relay: r, result: await checkRtt(r.url, base(extra)) };
}

const ms = expect.any(Number);
const ok = { status: "ok", ms };
/** What the relay received, in order (CLOSE left out: the last one races the hang-up). */
const verbs = (r: FakeRelay) =>
  r.received
    .filter(Array.isArray)
    .map((m) => String((m as unknown[])[0]))
    .filter((verb) => verb !== "CLOSE");
const stored = (r: FakeRelay): NostrEvent[] => r.events.filter((e) => e.pubkey === pubkey);

describe("checkRtt on a healthy relay", () => {
  it("opens, reads and writes; the probe is a kind-30078 event with a fixed d tag", async () => {
    const { relay: r, result } = await rtt({});
    expect(result).toEqual({
      status: "ok",
      data: {
        openMs: ms,
        read: ok,
        write: ok,
        auth: "none",
        insecure: false,
        upgradeHeaders: expect.any(Object),
      },
      durationMs: ms,
      notes: [],
    });
    const [probe] = stored(r);
    expect(probe?.kind).toBe(30078);
    expect(probe?.tags).toEqual([["d", WRITE_PROBE_D_TAG]]);
    expect(verbs(r)).toEqual(["REQ", "EVENT", "REQ"]);
  });

  it("skips the write without a key, and each step when disabled", async () => {
    const noKey = await checkRtt((await relay()).url, base({ noKey: true }));
    expect(noKey).toMatchObject({
      status: "ok",
      data: { read: ok, write: { status: "skipped", reason: "no key to sign a write probe" } },
    });
    const off = await checkRtt((await relay()).url, base({ read: false, write: false }));
    expect(off).toMatchObject({
      data: {
        read: { status: "skipped", reason: "disabled" },
        write: { status: "skipped", reason: "disabled" },
      },
    });
  });

  it("writes another kind when asked (kind 1, no d tag)", async () => {
    const { relay: r, result } = await rtt({}, { kind: 1 });
    expect(result).toMatchObject({ data: { write: ok } });
    expect(stored(r).map((e) => [e.kind, e.tags])).toEqual([[1, []]]);
  });
});

describe("checkRtt and NIP-42", () => {
  it("with a key: authenticates first, then times read and write behind AUTH", async () => {
    const { relay: r, result } = await rtt({ requireAuth: true });
    expect(result).toMatchObject({ status: "ok", data: { read: ok, write: ok, auth: "ok" } });
    expect(verbs(r)).toEqual(["AUTH", "REQ", "EVENT", "REQ"]);
  });

  it("a relay that challenges only when it refuses: the read is timed again behind AUTH", async () => {
    const { relay: r, result } = await rtt({ requireAuth: true, lazyAuthChallenge: true });
    expect(result).toMatchObject({ status: "ok", data: { read: ok, write: ok, auth: "ok" } });
    // REQ refused (with the challenge), AUTH, the client's own retry, then the timed REQ.
    expect(verbs(r)).toEqual(["REQ", "AUTH", "REQ", "REQ", "EVENT", "REQ"]);
  });

  it("lazy challenge on writes only: the write is published again behind AUTH", async () => {
    const { relay: r, result } = await rtt({ requireAuthForWrites: true, lazyAuthChallenge: true });
    expect(result).toMatchObject({ data: { read: ok, write: ok, auth: "ok" } });
    // EVENT refused (with the challenge), AUTH, the client's retry, then a fresh timed probe.
    expect(verbs(r)).toEqual(["REQ", "EVENT", "AUTH", "EVENT", "REQ", "EVENT", "REQ"]);
    // Two probes (the fake relay does not replace addressable events; a real one keeps one).
    expect(stored(r)).toHaveLength(2);
  });

  it("without a key: reads are refused as policy auth-required", async () => {
    const { result } = await rtt({ requireAuth: true }, { noKey: true });
    expect(result).toMatchObject({
      status: "ok",
      data: {
        read: {
          status: "refused",
          policy: "auth-required",
          reason: "auth-required: authenticate with NIP-42 first",
          ms,
        },
        auth: "challenged",
      },
    });
  });

  it("a refused AUTH leaves both steps refused as auth-required", async () => {
    // The relay checks the AUTH event's relay tag against its own URL (127.0.0.1): reached
    // under another name, our AUTH is refused.
    const r = await relay({ requireAuth: true });
    const resolver: Resolver = { lookup: async () => ["127.0.0.1"] };
    const url = r.url.replace("127.0.0.1", "relay.test");
    const result = await checkRtt(url, base({ resolver }));
    expect(result).toMatchObject({
      status: "ok",
      data: {
        read: { status: "refused", policy: "auth-required" },
        write: {
          status: "refused",
          policy: "auth-required",
          reason: "auth-required: authenticate with NIP-42 first",
        },
        auth: "failed",
      },
    });
  });

  it("auth for writes only: reads open, write timed behind AUTH", async () => {
    const { relay: r, result } = await rtt({ requireAuthForWrites: true });
    expect(result).toMatchObject({ data: { read: ok, write: ok, auth: "ok" } });
    expect(stored(r)).toHaveLength(1);
  });
});

describe("checkRtt: write policies are data", () => {
  it.each(["payment-required", "pow", "restricted", "rate-limited", "blocked"])(
    "OK false %s → write refused with that policy; read still ok",
    async (prefix) => {
      const { result } = await rtt({ writeRefusal: prefix });
      expect(result).toMatchObject({
        status: "ok",
        data: {
          read: ok,
          write: {
            status: "refused",
            policy: prefix,
            reason: `${prefix}: writes refused by the fake relay`,
            ms,
          },
        },
      });
    },
  );

  it("per-kind acceptance: the default kind is blocked, kind 1 is stored", async () => {
    const blocked = await rtt({ acceptKinds: [1] });
    expect(blocked.result).toMatchObject({
      data: {
        write: {
          status: "refused",
          policy: "blocked",
          reason: "blocked: kind 30078 is not accepted here",
        },
      },
    });
    const kind1 = await rtt({ acceptKinds: [1] }, { kind: 1 });
    expect(kind1.result).toMatchObject({ data: { write: ok } });
  });

  it("PoW: mined to the difficulty asked, refused without it, refused above our limit", async () => {
    const mined = await rtt({ minPowDifficulty: 10 }, { powDifficulty: 10 });
    expect(mined.result).toMatchObject({ data: { write: ok } });
    const [event] = stored(mined.relay);
    expect(powDifficulty(event?.id ?? "")).toBeGreaterThanOrEqual(10);
    expect(event?.tags.find((t) => t[0] === "nonce")?.[2]).toBe("10");

    const plain = await rtt({ minPowDifficulty: 10 });
    const write = plain.result.status === "ok" ? plain.result.data.write : undefined;
    expect(write).toMatchObject({ status: "refused", policy: "pow" });
    expect(write?.status === "refused" && write.reason).toMatch(
      /^pow: difficulty \d is less than 10$/,
    );

    const tooHard = await rtt({ minPowDifficulty: 30 }, { powDifficulty: 30 });
    expect(tooHard.result).toMatchObject({
      data: {
        write: {
          status: "refused",
          policy: "pow",
          reason: "relay asks for PoW difficulty 30, above our limit of 20",
          ms: 0,
        },
      },
    });
    expect(verbs(tooHard.relay)).not.toContain("EVENT");
  });
});

describe("checkRtt: writes lost, slow and dropped relays", () => {
  it("OK true but not stored → write failed after the read-back", async () => {
    const { result } = await rtt({ dropWrites: "unstored" });
    expect(result).toMatchObject({
      data: {
        read: ok,
        write: { status: "failed", reason: "accepted (OK true) but not returned by id", ms },
      },
    });
  });

  it("no OK at all → write failed after the timeout", async () => {
    const { result } = await rtt({ dropWrites: "no-ok" });
    expect(result).toMatchObject({
      data: { write: { status: "failed", reason: `no OK within ${TIMEOUT_MS} ms` } },
    });
    const write = result.status === "ok" ? result.data.write : undefined;
    expect(write?.status === "failed" && write.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
  });

  it("a slow relay: read and write take at least its latency", async () => {
    const { result } = await rtt({ latencyMs: 120 });
    expect(result).toMatchObject({ status: "ok", data: { read: ok, write: ok } });
    if (result.status !== "ok") throw new Error("unreachable");
    const { read, write } = result.data;
    expect(read.status === "ok" && read.ms).toBeGreaterThanOrEqual(115);
    expect(write.status === "ok" && write.ms).toBeGreaterThanOrEqual(115);
  });

  it("too slow for the budget: the read fails on its timeout, the write is not tried", async () => {
    const { result } = await rtt({ latencyMs: 300 }, { timeoutMs: 150 });
    expect(result).toMatchObject({
      status: "ok",
      data: {
        read: { status: "failed", reason: "no EOSE or CLOSED within 150 ms (0 frame(s) received)" },
        write: { status: "skipped", reason: "the relay sent nothing at all to the read" },
      },
    });
  });

  it("a relay that never sends EOSE: the first event answers the read", async () => {
    const user = await makeUser("stored-note");
    const note = user.sign({ kind: 1, created_at: 1_700_000_000, tags: [], content: "hi" });
    const withEvents = await rtt({ noEose: true, events: [note] }, { write: false });
    expect(withEvents.result).toMatchObject({ status: "ok", data: { read: ok } });
    const empty = await rtt({ noEose: true }, { write: false, timeoutMs: 150 });
    expect(empty.result).toMatchObject({
      data: {
        read: { status: "failed", reason: "no EOSE or CLOSED within 150 ms (0 frame(s) received)" },
      },
    });
  });

  it("a silent relay opens but answers nothing: the write is not tried (one timeout, not two)", async () => {
    const { relay: r, result } = await rtt({ silent: true });
    expect(result).toMatchObject({
      status: "ok",
      data: {
        read: {
          status: "failed",
          reason: `no EOSE or CLOSED within ${TIMEOUT_MS} ms (0 frame(s) received)`,
        },
        write: { status: "skipped", reason: "the relay sent nothing at all to the read" },
      },
    });
    expect(r.received.filter((m) => Array.isArray(m) && m[0] === "EVENT")).toEqual([]);
  });

  it("dropped right after the upgrade: open ok, read and write failed as disconnected", async () => {
    const { result } = await rtt({ disconnectOn: "open" });
    expect(result).toMatchObject({
      status: "ok",
      data: {
        openMs: ms,
        read: { status: "failed", reason: expect.stringMatching(/^disconnected: /) },
        write: { status: "failed", reason: expect.stringMatching(/^disconnected: /) },
      },
    });
  });

  it("dropped on EVENT: read ok, write failed as disconnected", async () => {
    const { result } = await rtt({ disconnectOn: "EVENT" });
    expect(result).toMatchObject({
      data: {
        read: ok,
        write: { status: "failed", reason: "disconnected: closed by relay (code 1006)" },
      },
    });
  });

  it("CLOSED restricted: read refused, and the write cannot be read back", async () => {
    const { result } = await rtt({ closedPrefix: "restricted" });
    expect(result).toMatchObject({
      data: {
        read: {
          status: "refused",
          policy: "restricted",
          reason: "restricted: refused by the fake relay",
        },
        write: {
          status: "failed",
          reason:
            "accepted, but reading it back was refused: restricted: refused by the fake relay",
        },
      },
    });
  });

  it("CLOSED with another prefix is a failed read", async () => {
    const { result } = await rtt({ closedPrefix: "error" }, { write: false });
    expect(result).toMatchObject({
      data: { read: { status: "failed", reason: "closed: error: refused by the fake relay" } },
    });
  });
});

describe("checkRtt: the open step", () => {
  it("an upgrade refused is an error, retried with backoff as asked", async () => {
    const r = await relay({ refuse: true });
    const retry = { retries: 2, initialDelayMs: 20, maxDelayMs: 40, jitterMs: 5 };
    const result = await checkRtt(r.url, base({ retry }));
    expect(result).toEqual({
      status: "error",
      reason: "http-status: HTTP 503 instead of 101 (3 attempts)",
      durationMs: ms,
    });
    expect(r.refusedConnections).toBe(3);
  });

  it("TLS: a self-signed relay is an error, or ok with insecure when allowed", async () => {
    const tls = createTestCertificate();
    const r = await relay({ tls });
    const strict = await checkRtt(r.url, base());
    expect(strict.status === "error" && strict.reason).toMatch(/^tls: /);
    const lax = await checkRtt(r.url, base({ allowInsecure: true }));
    expect(lax).toMatchObject({ status: "ok", data: { read: ok, write: ok, insecure: true } });
  });

  it("the connection comes through the injected connector", async () => {
    const r = await relay();
    const urls: string[] = [];
    const connect: RttOptions["connect"] = (url, options) => {
      urls.push(url);
      return connectRelay(url, options);
    };
    expect(await checkRtt(r.url, base({ connect }))).toMatchObject({ status: "ok" });
    expect(urls).toEqual([r.url]);
  });

  it("an overlay relay without a proxy fails at once", async () => {
    const onion = `ws://${"a".repeat(56)}.onion`;
    expect(await checkRtt(onion, base({ network: "tor" }))).toEqual({
      status: "error",
      reason: "proxy: tor relays need a SOCKS5 proxy (proxyUrl socks5h://…)",
      durationMs: ms,
    });
  });

  it("the caller's abort is skipped, not blamed on the relay", async () => {
    const r = await relay({ silent: true });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const result = await checkRtt(r.url, base({ signal: controller.signal }));
    expect(result).toEqual({ status: "skipped", reason: "aborted", durationMs: 0 });
  });
});
