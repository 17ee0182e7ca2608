/**
 * The monitor publishing NIP-66 to the independent `@nostr-relay/core` relay: what it accepts
 * is read back by REQ and parsed by our own readers. A dead relay gets no 30166; the periodic
 * events go out once per interval, with their checkpoints.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertRelays } from "../../../src/core/db/relays.js";
import { runOnce } from "../../../src/core/service.js";
import { startCoreRelay } from "../../../src/devnet/core-relay.js";
import { type FakeRelay, startFakeRelay } from "../../../src/devnet/fake-relay.js";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { connectRelay } from "../../../src/nips/nip01/index.js";
import { parseMonitorAnnouncement } from "../../../src/nips/nip66/announcement-parse.js";
import { parseRelayDiscovery } from "../../../src/nips/nip66/discovery-parse.js";
import { derivePubkey } from "../../../src/utils/keys.js";
import { makeUser } from "../../support/fake-user.js";
import { freePort } from "../../support/free-port.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { createTestContext } from "../../support/service-context.js";
import { monitor } from "./helpers.js";

const NOW = Math.floor(Date.now() / 1000);
let db: TestDatabase;
let core: { url: string; close(): Promise<void> };
const relays: FakeRelay[] = [];
let secretKey: Uint8Array;
let dead: string;

async function published(kinds: number[]): Promise<NostrEvent[]> {
  const client = await connectRelay(core.url, {
    network: "clearnet",
    timeoutMs: 5000,
    allowPrivate: true,
  });
  const out: NostrEvent[] = [];
  for await (const e of client.req([{ kinds, authors: [derivePubkey(secretKey)], limit: 500 }]))
    out.push(e);
  await client.close();
  return out;
}

beforeAll(async () => {
  db = await createTestDatabase();
  secretKey = (await makeUser("publisher")).secretKey;
  core = await startCoreRelay({ defaultLimit: 500 });
  relays.push(await startFakeRelay({ acceptWrites: true, httpHeaders: { Server: "fake/3" } }));
  relays.push(await startFakeRelay({ acceptWrites: true, requireAuth: true }));
  dead = `ws://127.0.0.1:${await freePort()}`;
  await insertRelays(
    db.pool,
    [...relays.map((r) => r.url), dead].map((url) => ({
      url,
      network: "clearnet" as const,
      discoveredAt: 1,
    })),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(relays.map((r) => r.close()));
  await core?.close();
  await db?.drop();
});

const publishing = () => ({
  relays: [core.url],
  profile: { name: "test monitor", about: "checks loopback relays", website: "https://x.test" },
});

describe("monitor publishing", () => {
  it("30166 for each reachable relay (none for the dead one), and 0, 10002, 10166, 10050", async () => {
    const t = createTestContext(db.pool, { service: "monitor", now: NOW });
    const m = monitor({ checks: { dns: { enabled: false } } }, {}, secretKey, publishing());
    const outcome = await runOnce(m, t.ctx);
    expect(outcome.ok, String(outcome.error)).toBe(true);
    expect(outcome.report).toMatchObject({
      checked: 3,
      published: 2,
      not_published: 1,
      announced: 4,
    });

    const discovery = await published([30166]);
    const parsed = discovery.map((e) => parseRelayDiscovery(e));
    const ok = parsed.flatMap((p) => (p.ok ? [p.discovery] : []));
    expect(ok.map((d) => d.relay).sort()).toEqual(relays.map((r) => r.url).sort());
    const healthy = ok.find((d) => d.relay === relays[0]?.url);
    expect(healthy).toMatchObject({
      monitor: derivePubkey(secretKey),
      createdAt: NOW,
      networks: ["clearnet"],
      nips: [1, 11, 42, 45],
      http: { server: "fake/3" },
      requirements: { auth: false, payment: false },
      kinds: { accepted: [30078] },
    });
    expect(healthy?.rtt.open).toEqual(expect.any(Number));
    expect(healthy?.rtt.write).toEqual(expect.any(Number));
    // The NIP-11 document itself, not wrapped in the stored {data, logs}.
    expect(healthy?.nip11).toMatchObject({ name: "bigbrotr fake relay" });
    const authRelay = ok.find((d) => d.relay === relays[1]?.url);
    expect(authRelay?.requirements).toMatchObject({ auth: true });

    const [announcement] = await published([10166]);
    const a = parseMonitorAnnouncement(announcement);
    expect(a.ok && a.announcement).toMatchObject({ frequency: 3600, networks: ["clearnet"] });
    const [profile] = await published([0]);
    expect(JSON.parse(profile?.content ?? "{}")).toEqual({
      name: "test monitor",
      about: "checks loopback relays",
      website: "https://x.test",
    });
    const [list] = await published([10002]);
    expect(list?.tags).toEqual([["r", core.url, "write"]]);
    // NIP-17 DM relays: where relay operators send `subscribe <relay url>` (docs/alerts.md).
    const [inbox] = await published([10050]);
    expect(inbox?.tags).toEqual([["relay", core.url]]);
    expect(
      await t.metric("brotr_monitor_published_total", { kind: "30166", outcome: "accepted" }),
    ).toBe(2);
  }, 60_000);

  it("the periodic events wait for their interval; discovery goes out with every check", async () => {
    const t = createTestContext(db.pool, { service: "monitor", now: NOW + 3600 });
    const m = monitor({ checks: { dns: { enabled: false } } }, {}, secretKey, publishing());
    const outcome = await runOnce(m, t.ctx);
    expect(outcome.report).toMatchObject({ checked: 3, published: 2, announced: 0 });
    expect((await published([0, 10002, 10166])).map((e) => e.created_at)).toEqual([NOW, NOW, NOW]);
  }, 60_000);

  it("a publishing relay that refuses everything: counted, no periodic checkpoint written", async () => {
    const refusing = await startFakeRelay({ writeRefusal: "blocked" });
    relays.push(refusing);
    const fresh = await createTestDatabase();
    try {
      await insertRelays(fresh.pool, [
        { url: relays[0]?.url ?? "", network: "clearnet", discoveredAt: 1 },
      ]);
      const t = createTestContext(fresh.pool, { service: "monitor", now: NOW });
      const m = monitor({}, {}, secretKey, { relays: [refusing.url] });
      const outcome = await runOnce(m, t.ctx);
      expect(outcome.report).toMatchObject({ checked: 1, published: 0, announced: 0 });
      expect(
        await t.metric("brotr_monitor_published_total", { kind: "10166", outcome: "rejected" }),
      ).toBe(1);
      const { rows } = await fresh.pool.query(
        "SELECT state_key FROM service_state WHERE state_key IN ('profile', 'relay_list', 'announcement')",
      );
      expect(rows).toEqual([]);
    } finally {
      await fresh.drop();
    }
  }, 60_000);
});
