import { beforeAll, describe, expect, it } from "vitest";
import type { NostrEvent } from "../../../../src/models/event-types.js";
import { connectRelay, type RelayClientOptions } from "../../../../src/nips/nip01/index.js";
import {
  createPublisher,
  type PublisherOptions,
  type PublishOutcome,
  publishEvent,
} from "../../../../src/nips/nip01/publish.js";
import { signEvent } from "../../../../src/utils/keys.js";
import type { FakeRelay } from "../../../support/fake-relay.js";
import { type FakeUser, makeUser } from "../../../support/fake-user.js";
import { useRelays } from "./helpers.js";

/** Publishing to several loopback fake relays: each relay's outcome on its own, never a throw. */
const TIMEOUT_MS = 400;
const { relay } = useRelays(() => []);
let monitor: FakeUser;

beforeAll(async () => {
  monitor = await makeUser("publish-monitor");
});

let counter = 0;
const note = (): NostrEvent =>
  signEvent(
    { kind: 1, created_at: Math.floor(Date.now() / 1000), tags: [], content: `n${++counter}` },
    monitor.secretKey,
  );

const base = (extra: Partial<PublisherOptions> = {}): PublisherOptions => ({
  timeoutMs: TIMEOUT_MS,
  allowPrivate: true,
  ...extra,
});
const ms = expect.any(Number);
const stored = (r: FakeRelay, ev: NostrEvent) => r.events.some((e) => e.id === ev.id);

describe("publishEvent", () => {
  it("reports accepted, rejected and failed per relay, in the order given", async () => {
    const good = await relay();
    const restricted = await relay({ writeRefusal: "restricted" });
    const refusing = await relay({ refuse: true });
    const silent = await relay({ dropWrites: "no-ok" });
    const ev = note();
    const urls = [good.url, restricted.url, refusing.url, silent.url, "https://not-a-relay"];
    expect(await publishEvent(ev, urls, base())).toEqual([
      { url: good.url, status: "accepted", message: "", ms },
      {
        url: restricted.url,
        status: "rejected",
        reason: "restricted: writes refused by the fake relay",
        prefix: "restricted",
        ms,
      },
      { url: refusing.url, status: "failed", reason: expect.stringMatching(/^http-status: /), ms },
      { url: silent.url, status: "failed", reason: `no OK within ${TIMEOUT_MS} ms`, ms },
      {
        url: "https://not-a-relay",
        status: "failed",
        reason: expect.stringMatching(/^invalid relay URL: /),
        ms,
      },
    ]);
    expect(stored(good, ev)).toBe(true);
    expect(stored(restricted, ev)).toBe(false);
  });

  it("counts a duplicate as accepted, and publishes a repeated URL once", async () => {
    const r = await relay();
    const ev = note();
    await publishEvent(ev, [r.url], base());
    const again = await publishEvent(ev, [r.url, r.url], base());
    expect(again).toEqual([
      { url: r.url, status: "accepted", message: "duplicate: already have this event", ms },
    ]);
    expect(r.events.filter((e) => e.id === ev.id)).toHaveLength(1);
  });

  it("counts OK false with a duplicate: prefix as accepted (the relay has the event)", async () => {
    const r = await relay({ writeRefusal: "duplicate" });
    expect(await publishEvent(note(), [r.url], base())).toEqual([
      {
        url: r.url,
        status: "accepted",
        message: "duplicate: writes refused by the fake relay",
        ms,
      },
    ]);
  });

  it("authenticates with its key where writes need NIP-42, and is refused without one", async () => {
    const r = await relay({ requireAuthForWrites: true });
    const [without] = await publishEvent(note(), [r.url], base());
    expect(without).toMatchObject({ status: "rejected", prefix: "auth-required" });
    const ev = note();
    const [withKey] = await publishEvent(ev, [r.url], base({ secretKey: monitor.secretKey }));
    expect(withKey).toMatchObject({ status: "accepted" });
    expect(stored(r, ev)).toBe(true);
  });

  it("fails every relay as aborted once the signal is aborted", async () => {
    const r = await relay();
    const stop = new AbortController();
    stop.abort();
    const out = await publishEvent(note(), [r.url], base({ signal: stop.signal }));
    expect(out).toEqual([{ url: r.url, status: "failed", reason: "aborted", ms: 0 }]);
    expect(r.totalConnections).toBe(0);
  });

  it("writes to at most `concurrency` relays at once", async () => {
    const targets = await Promise.all([1, 2, 3, 4, 5].map(() => relay({ latencyMs: 30 })));
    let open = 0;
    let peak = 0;
    const connect = async (url: string, options: RelayClientOptions) => {
      open++;
      peak = Math.max(peak, open);
      const client = await connectRelay(url, options);
      const publish = client.publish.bind(client);
      client.publish = async (...args) => {
        try {
          return await publish(...args);
        } finally {
          open--;
        }
      };
      return client;
    };
    const out = await publishEvent(
      note(),
      targets.map((t) => t.url),
      base({ concurrency: 2, connect }),
    );
    expect(out.map((o) => o.status)).toEqual(Array(5).fill("accepted"));
    expect(peak).toBe(2);
  });
});

describe("createPublisher (one cycle)", () => {
  it("reuses one connection per relay across events", async () => {
    const r = await relay();
    const publisher = createPublisher(base());
    const events = [note(), note(), note()];
    const outcomes = await Promise.all(events.map((ev) => publisher.publish(ev, [r.url])));
    await publisher.close();
    expect(outcomes.flat().map((o) => o.status)).toEqual(["accepted", "accepted", "accepted"]);
    expect(r.totalConnections).toBe(1);
    expect(events.every((ev) => stored(r, ev))).toBe(true);
  });

  it("does not retry a relay it could not reach", async () => {
    const r = await relay({ refuse: true });
    const publisher = createPublisher(base());
    const first = await publisher.publish(note(), [r.url]);
    r.options.refuse = false;
    const second = await publisher.publish(note(), [r.url]);
    await publisher.close();
    const reason = (o: PublishOutcome | undefined) => (o?.status === "failed" ? o.reason : "");
    expect(reason(first[0])).toMatch(/^http-status: /);
    expect(reason(second[0])).toBe(reason(first[0]));
    expect(r.refusedConnections).toBe(1);
    expect(r.totalConnections).toBe(0);
  });

  it("opens the connection again after the relay closed it", async () => {
    const r = await relay({ disconnectOn: "EVENT" });
    const publisher = createPublisher(base());
    const [dropped] = await publisher.publish(note(), [r.url]);
    expect(dropped).toMatchObject({
      status: "failed",
      reason: expect.stringMatching(/^disconnected: /),
    });
    delete r.options.disconnectOn;
    const ev = note();
    const [accepted] = await publisher.publish(ev, [r.url]);
    await publisher.close();
    expect(accepted).toMatchObject({ status: "accepted" });
    expect(r.totalConnections).toBe(2);
    expect(stored(r, ev)).toBe(true);
  });
});
