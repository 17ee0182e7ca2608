import { beforeAll, describe, expect, it } from "vitest";
import type { NostrEvent } from "../../../../src/models/event-types.js";
import {
  AuthRequiredError,
  RelayClosedError,
  RelayNoticeError,
  RelayTimeoutError,
} from "../../../../src/nips/nip01/index.js";
import { signEvent } from "../../../../src/utils/keys.js";
import { type FakeUser, generateEvents, makeUser } from "../../../support/fake-user.js";
import { collect, useRelays } from "./helpers.js";

let events: NostrEvent[];
let user: FakeUser;
const { relay, client } = useRelays(() => events);

beforeAll(async () => {
  events = await generateEvents({ count: 10, seed: 3, kinds: [1] });
  user = await makeUser("auth-test");
});

const note = (content: string) =>
  signEvent(
    { kind: 1, created_at: Math.floor(Date.now() / 1000), tags: [], content },
    user.secretKey,
  );

describe("NIP-42 auth", () => {
  it("answers the challenge with a key and retries an auth-required REQ", async () => {
    const r = await relay({ requireAuth: true });
    const c = await client(r.url, { auth: { secretKey: user.secretKey } });
    expect(await collect(c.req([{ limit: 3 }]))).toHaveLength(3);
    expect(c.authStatus).toBe("ok");
    const auth = r.received.find((m) => Array.isArray(m) && m[0] === "AUTH") as [
      string,
      NostrEvent,
    ];
    expect(auth[1].kind).toBe(22242);
    expect(auth[1].tags).toContainEqual(["relay", r.url]);
    expect(auth[1].tags.find((t) => t[0] === "challenge")?.[1]).toBe(c.authChallenge);
  });

  it("works with a signer function", async () => {
    const r = await relay({ requireAuth: true });
    const signer = async (template: Parameters<FakeUser["sign"]>[0]) => user.sign(template);
    const c = await client(r.url, { auth: { signer } });
    expect(await collect(c.req([{ limit: 2 }]))).toHaveLength(2);
  });

  it("records the challenge and throws AuthRequiredError without a key", async () => {
    const r = await relay({ requireAuth: true });
    const c = await client(r.url);
    await expect(collect(c.req([{ limit: 1 }]))).rejects.toBeInstanceOf(AuthRequiredError);
    expect(c.authChallenge).toMatch(/^[0-9a-f]{32}$/);
    expect(c.authStatus).toBe("challenged");
  });

  it("publishes after auth when the first OK says auth-required", async () => {
    const r = await relay({ requireAuth: true, latencyMs: 10 });
    const c = await client(r.url, { auth: { secretKey: user.secretKey } });
    const ev = note("hello after auth");
    expect(await c.publish(ev)).toEqual({ ok: true, message: "" });
    expect(r.events.some((e) => e.id === ev.id)).toBe(true);
  });
});

describe("publish and count", () => {
  it("returns the OK outcome with its prefix", async () => {
    const r = await relay();
    const c = await client(r.url);
    const ev = note("hi");
    expect(await c.publish(ev)).toEqual({ ok: true, message: "" });
    expect(await c.publish(ev)).toEqual({
      ok: true,
      message: "duplicate: already have this event",
      prefix: "duplicate",
    });
    r.options.acceptWrites = false;
    expect(await c.publish(note("no"))).toMatchObject({ ok: false, prefix: "blocked" });
  });

  it("times out when no OK comes", async () => {
    const r = await relay({ silent: true });
    const c = await client(r.url);
    const error = await c.publish(note("x"), { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayTimeoutError);
    expect(error).toMatchObject({ phase: "ok" });
  });

  it("rejects with the abort reason", async () => {
    const r = await relay({ silent: true });
    const c = await client(r.url);
    const controller = new AbortController();
    const pending = c.publish(note("x"), { signal: controller.signal });
    controller.abort(new Error("cancelled"));
    await expect(pending).rejects.toThrow("cancelled");
  });

  it("counts with NIP-45", async () => {
    const r = await relay();
    const c = await client(r.url);
    expect(await c.count([{ kinds: [1] }])).toEqual({ count: 10, approximate: false });
  });

  it("ends a COUNT at once when the relay refuses it: CLOSED, or a NOTICE from a relay without the verb", async () => {
    const refusing = await client((await relay({ count: { refuse: "unsupported: no" } })).url);
    await expect(refusing.count([{ kinds: [1] }], { timeoutMs: 60_000 })).rejects.toBeInstanceOf(
      RelayClosedError,
    );
    const unaware = await client((await relay({ count: { notice: "unknown verb COUNT" } })).url);
    const failed = unaware.count([{ kinds: [1] }], { timeoutMs: 60_000 });
    await expect(failed).rejects.toBeInstanceOf(RelayNoticeError);
    await expect(failed).rejects.toThrow("relay answered with a NOTICE: unknown verb COUNT");
    // The connection is still usable.
    expect(await collect(unaware.req([{ limit: 2 }]))).toHaveLength(2);
  });

  it("exposes the upgrade headers and open time", async () => {
    const r = await relay({ httpHeaders: { Server: "fake/1.0", "X-Powered-By": "tests" } });
    const c = await client(r.url);
    expect(c.upgradeHeaders.server).toBe("fake/1.0");
    expect(c.upgradeHeaders["x-powered-by"]).toBe("tests");
    expect(c.rttOpenMs).toBeGreaterThanOrEqual(0);
    expect(c.insecure).toBe(false);
  });

  it("reports notices through the hook", async () => {
    // oversizeFrameBytes sends one padded NOTICE before the results; under the cap it is delivered.
    const r = await relay({ oversizeFrameBytes: 1000 });
    const notices: string[] = [];
    const c = await client(r.url, { onNotice: (m) => notices.push(m) });
    expect(await collect(c.req([{ limit: 1 }]))).toHaveLength(1);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toHaveLength(1000 - '["NOTICE",""]'.length);
    expect(c.stats.notices).toBe(1);
  });
});
