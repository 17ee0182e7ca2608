/**
 * The validator and the monitor against a realistic devnet with one relay per behaviour, on
 * real PostgreSQL: which relays are promoted and which refused with what reason, and what the
 * monitor records of each (NIP-11 as served or why not, rtt open/read with the relay's reason,
 * a relay that goes down and comes back).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertRelays } from "../../../src/core/db/relays.js";
import { runOnce } from "../../../src/core/service.js";
import type { RealisticNetwork } from "../../../src/devnet/realistic-network.js";
import { readCandidates } from "../../support/candidates.js";
import { makeUser } from "../../support/fake-user.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { createTestContext } from "../../support/service-context.js";
import { checkNow, type HistoryRow, history, monitor } from "../monitor/helpers.js";
import { relayOf, startOnePerBehaviour, validateAll } from "./helpers.js";

let db: TestDatabase;
let net: RealisticNetwork;
const NOW = Math.floor(Date.now() / 1000);

beforeAll(async () => {
  db = await createTestDatabase();
  net = await startOnePerBehaviour();
}, 60_000);

afterAll(async () => {
  await net?.close();
  await db?.drop();
});

/** What the validator refuses, and why (everything else is promoted). */
const REFUSED: Record<string, RegExp> = {
  "http-503": /HTTP 503/,
  "html-page": /HTTP 200 instead of 101/,
  offline: /ECONNREFUSED/,
};

describe("validator on a realistic devnet", () => {
  it("promotes every relay that speaks Nostr and refuses the others with a reason", async () => {
    await validateAll(db.pool, net, NOW);
    const { rows } = await db.pool.query<{ url: string }>("SELECT url FROM relay");
    const promoted = new Set(rows.map((r) => r.url));
    const candidates = await readCandidates(
      db.pool,
      net.relays.map((r) => r.url),
    );
    for (const relay of net.relays) {
      const refused = REFUSED[relay.behaviour];
      if (refused === undefined) {
        expect(promoted.has(relay.url), relay.behaviour).toBe(true);
        continue;
      }
      expect(promoted.has(relay.url), relay.behaviour).toBe(false);
      const candidate = candidates.find((c) => c.url === relay.url);
      expect(candidate?.reason, relay.behaviour).toMatch(refused);
      expect(candidate?.failures).toBe(1);
    }
  }, 60_000);
});

describe("monitor on a realistic devnet", () => {
  let rows: HistoryRow[];
  const of = (behaviour: string, type: string) =>
    rows.find((r) => r.url === relayOf(net, behaviour).url && r.type === type)?.doc ?? {};

  beforeAll(async () => {
    const all = net.relays.map((r) => ({ url: r.url, network: "clearnet" as const }));
    await insertRelays(
      db.pool,
      all.map((r) => ({ ...r, discoveredAt: 1 })),
    );
    // The flapping relay is down during this check.
    await net.setDown(net.relays.indexOf(relayOf(net, "flapping")), true);
    const t = createTestContext(db.pool, { service: "monitor", now: NOW });
    const outcome = await runOnce(monitor({}, {}, undefined, {}, 10), t.ctx);
    expect(outcome.ok, String(outcome.error)).toBe(true);
    rows = await history(db.pool);
  }, 120_000);

  it("keeps each relay's own software, version, limits and countries from NIP-11", () => {
    for (const behaviour of ["healthy", "auth-writes", "paid-writes", "slow-drip"]) {
      const relay = relayOf(net, behaviour);
      const data = of(behaviour, "nip11_info").data ?? {};
      expect(data.software, behaviour).toBe(relay.software);
      expect(data.version, behaviour).toBe(relay.version);
      expect(data.relay_countries, behaviour).toBeDefined();
    }
    const paid = of("paid-writes", "nip11_info").data?.limitation as Record<string, unknown>;
    expect(paid.payment_required).toBe(true);
  });

  it("records why a NIP-11 document was not kept, and keeps one from a redirect", () => {
    expect(of("nip11-redirect-loop", "nip11_info").logs).toMatchObject({
      success: false,
      reason: expect.stringMatching(/redirect/),
    });
    expect(of("nip11-huge", "nip11_info").logs).toMatchObject({
      success: false,
      reason: expect.stringMatching(/too-large/),
    });
    expect(of("nip11-redirect-other", "nip11_info").logs).toMatchObject({ success: true });
    // Wrong types are dropped field by field; what is well typed stays.
    const wrong = of("nip11-wrong-types", "nip11_info");
    expect(wrong.logs).toMatchObject({ success: true });
    expect(wrong.data?.supported_nips).toBeUndefined();
    expect(wrong.data?.software).toBe(relayOf(net, "nip11-wrong-types").software);
    // A relay that refuses the upgrade still serves NIP-11.
    expect(of("http-503", "nip11_info").logs).toMatchObject({ success: true });
    expect(of("offline", "nip11_info").logs).toMatchObject({ success: false });
  });

  it("records each refusal's reason in the rtt check", () => {
    const rtt = (b: string) => of(b, "nip66_rtt").logs ?? {};
    expect(rtt("auth-reads")).toMatchObject({
      open_success: true,
      read_success: false,
      read_reason: expect.stringMatching(/^auth-required:/),
    });
    expect(rtt("paid-reads")).toMatchObject({
      read_success: false,
      read_reason: expect.stringMatching(/^restricted:/),
    });
    expect(rtt("http-503")).toMatchObject({
      open_success: false,
      open_reason: expect.stringMatching(/HTTP 503/),
    });
    expect(rtt("html-page")).toMatchObject({ open_reason: expect.stringMatching(/HTTP 200/) });
    expect(rtt("offline")).toMatchObject({ open_reason: expect.stringMatching(/ECONNREFUSED/) });
    expect(rtt("flapping")).toMatchObject({ open_reason: expect.stringMatching(/ECONNREFUSED/) });
    for (const b of ["healthy", "rate-limit-closed", "auth-kinds", "events-duplicated"]) {
      expect(rtt(b), b).toMatchObject({ open_success: true, read_success: true });
    }
    // The slow handshake (1.5 s) made it within the monitor's 10 s, or, under load, timed out.
    const slow = rtt("slow-handshake");
    if (slow.open_success !== true) expect(slow.open_reason).toMatch(/timeout/);
  });

  it("with a key, authenticates where writes need AUTH and records why paid relays refuse", async () => {
    const key = (await makeUser("realistic-monitor")).secretKey;
    const rttWithKey = async (behaviour: string) => {
      const url = relayOf(net, behaviour).url;
      const t = createTestContext(db.pool, { service: "monitor", now: NOW + 3600 });
      expect((await checkNow(t.ctx, url, key, 10)).stored).toBe(true);
      const last = (await history(db.pool, "nip66_rtt")).filter((r) => r.url === url).at(-1);
      return last?.doc.logs ?? {};
    };
    expect(await rttWithKey("auth-writes")).toMatchObject({ write_success: true });
    expect(await rttWithKey("paid-writes")).toMatchObject({
      write_success: false,
      write_reason: expect.stringMatching(/^payment-required:/),
    });
    expect(await rttWithKey("paid-reads")).toMatchObject({
      write_success: false,
      write_reason: expect.stringMatching(/^restricted:/),
    });
  }, 60_000);

  it("sees the flapping relay up again at its next check", async () => {
    const flapping = relayOf(net, "flapping");
    await net.setDown(net.relays.indexOf(flapping), false);
    const t = createTestContext(db.pool, { service: "monitor", now: NOW + 7200 });
    expect((await checkNow(t.ctx, flapping.url, undefined, 10)).stored).toBe(true);
    const checks = (await history(db.pool, "nip66_rtt")).filter((r) => r.url === flapping.url);
    expect(checks.at(-1)?.doc.logs).toMatchObject({ open_success: true, read_success: true });
    expect(checks.at(0)?.doc.logs).toMatchObject({ open_success: false });
  }, 60_000);
});
