import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NostrEvent } from "../../../../src/models/event-types.js";
import { checkError } from "../../../../src/nips/check-result.js";
import { connectRelay, type RelayClient } from "../../../../src/nips/nip01/index.js";
import { buildProfile } from "../../../../src/nips/nip01/profile.js";
import { createPublisher, type Publisher } from "../../../../src/nips/nip01/publish.js";
import { fetchNip11 } from "../../../../src/nips/nip11/index.js";
import { buildRelayList } from "../../../../src/nips/nip65/relay-list.js";
import { buildMonitorAnnouncement } from "../../../../src/nips/nip66/announcement.js";
import { parseMonitorAnnouncement } from "../../../../src/nips/nip66/announcement-parse.js";
import { checkRelay } from "../../../../src/nips/nip66/checks.js";
import { buildRelayDiscovery } from "../../../../src/nips/nip66/discovery-event.js";
import { parseRelayDiscovery } from "../../../../src/nips/nip66/discovery-parse.js";
import { type EventTemplate, signEvent } from "../../../../src/utils/keys.js";
import { healthy, torRelay } from "../../../support/discovery-fixtures.js";
import { type FakeRelay, startFakeRelay } from "../../../support/fake-relay.js";
import { type FakeUser, makeUser } from "../../../support/fake-user.js";
import { type CoreRelayHandle, startCoreRelay } from "../../../support/nostr-relay-core.js";

/**
 * The monitor's four kinds through an independent relay implementation (@nostr-relay/core):
 * signed, published, read back by REQ and parsed again, equal to what was built.
 */
let core: CoreRelayHandle;
let reader: RelayClient;
let publisher: Publisher;
let monitor: FakeUser;
const now = Math.floor(Date.now() / 1000);

beforeAll(async () => {
  core = await startCoreRelay();
  monitor = await makeUser("nip66-publish-core");
  publisher = createPublisher({
    timeoutMs: 2000,
    allowPrivate: true,
    secretKey: monitor.secretKey,
  });
  reader = await connectRelay(core.url, {
    network: "clearnet",
    timeoutMs: 2000,
    allowPrivate: true,
  });
});

afterAll(async () => {
  await publisher?.close();
  await reader?.close();
  await core?.close();
});

async function publish(template: EventTemplate): Promise<NostrEvent> {
  const event = signEvent(template, monitor.secretKey);
  expect(await publisher.publish(event, [core.url])).toEqual([
    { url: core.url, status: "accepted", message: expect.any(String), ms: expect.any(Number) },
  ]);
  return event;
}

async function readBack(kind: number, d?: string): Promise<NostrEvent[]> {
  const filter = { kinds: [kind], authors: [monitor.pubkey], ...(d ? { "#d": [d] } : {}) };
  const out: NostrEvent[] = [];
  for await (const ev of reader.req([filter])) out.push(ev);
  return out;
}

function built(input: Parameters<typeof buildRelayDiscovery>[0]): EventTemplate {
  const result = buildRelayDiscovery(input);
  if (!result.ok) throw new Error(result.detail);
  return result.template;
}

describe("the monitor's events through @nostr-relay/core", () => {
  it("30166: published, read back by #d and parsed as built", async () => {
    for (const input of [healthy, torRelay]) {
      const event = await publish(built({ ...input, createdAt: now }));
      const [back, ...more] = await readBack(30166, input.url);
      expect(more).toEqual([]);
      expect(back).toEqual(event);
      const fromRelay = parseRelayDiscovery(back);
      expect(fromRelay).toEqual(parseRelayDiscovery(event));
      expect(fromRelay).toMatchObject({ ok: true, issues: [] });
    }
  });

  it("30166 is addressable: a newer check of the same relay replaces the older", async () => {
    const url = "wss://replaced.example.com";
    await publish(built({ ...healthy, url, createdAt: now - 10 }));
    const newer = await publish(
      built({ ...healthy, url, nip11: checkError("HTTP 500", 1), createdAt: now }),
    );
    expect((await readBack(30166, url)).map((e) => e.id)).toEqual([newer.id]);
  });

  it("10166, 0 and 10002: read back and parsed as built", async () => {
    const announcement = await publish(
      buildMonitorAnnouncement({
        frequencySeconds: 3600,
        checks: [
          { check: "open", timeoutMs: 5000 },
          { check: "nip11", timeoutMs: 5000 },
        ],
        networks: ["clearnet", "tor"],
        createdAt: now,
      }),
    );
    const profile = await publish(buildProfile({ name: "Test monitor", about: "loopback" }, now));
    const list = await publish(buildRelayList([{ url: core.url, usage: "write" }], now));
    const [a] = await readBack(10166);
    expect(a).toEqual(announcement);
    expect(parseMonitorAnnouncement(a)).toMatchObject({
      ok: true,
      issues: [],
      announcement: {
        frequency: 3600,
        timeouts: [
          { check: "open", ms: 5000 },
          { check: "nip11", ms: 5000 },
        ],
        checks: ["open", "nip11"],
        networks: ["clearnet", "tor"],
      },
    });
    expect(await readBack(0)).toEqual([profile]);
    expect(JSON.parse(profile.content)).toEqual({ name: "Test monitor", about: "loopback" });
    expect(await readBack(10002)).toEqual([list]);
  });
});

describe("checks of a live relay, published as a 30166", () => {
  let target: FakeRelay;
  afterAll(async () => target?.close());

  it("carries the measured rtt, the NIP-11 and the write probe's kind", async () => {
    target = await startFakeRelay({ httpHeaders: { Server: "fake/1.0" } });
    const route = { network: "clearnet", timeoutMs: 1000, allowPrivate: true } as const;
    const nip11 = await fetchNip11(target.url, route);
    const checks = await checkRelay(target.url, {
      ...route,
      rtt: { secretKey: monitor.secretKey },
      ssl: false,
      dns: false,
      geo: false,
      net: false,
    });
    const event = await publish(
      built({ url: target.url, network: "clearnet", nip11, checks, createdAt: now }),
    );
    const [back] = await readBack(30166, target.url);
    const parsed = parseRelayDiscovery(back);
    if (!parsed.ok) throw new Error(parsed.reason);
    const rtt = checks.rtt.status === "ok" ? checks.rtt.data : undefined;
    expect(back?.id).toBe(event.id);
    expect(parsed.discovery).toMatchObject({
      relay: target.url,
      rtt: { open: rtt?.openMs, read: expect.any(Number), write: expect.any(Number) },
      nips: [1, 11, 42, 45],
      requirements: { auth: false, payment: false, writes: false, pow: false },
      types: ["PublicInbox"],
      kinds: { accepted: [30078], rejected: [] },
      http: { server: "fake/1.0" },
      nip11: nip11.status === "ok" ? nip11.data : "no NIP-11",
    });
  });
});
