/**
 * The monitors page lists other monitors, the liar marked unreliable; a relay page shows what
 * they say beside our verdict (a false offline here), and a relay none covers says so.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/core/config/load.js";
import { brotrConfigSchema } from "../../src/core/config/schemas.js";
import { insertEvents } from "../../src/core/db/events.js";
import type { NostrEvent } from "../../src/models/event-types.js";
import { monitorConfigSchema } from "../../src/services/monitor/config.js";
import { runPeersPhase } from "../../src/services/monitor/peers/phase.js";
import { CHROMIUM, type ExplorerSession, startExplorer } from "../support/browser.js";
import { skipWithout } from "../support/external-tool.js";
import { type FakeUser, makeUser } from "../support/fake-user.js";
import { recordMonitorRuns } from "../support/network-history.js";
import { peerAnnouncement, peerDiscovery } from "../support/peer-monitors.js";
import { createTestContext } from "../support/service-context.js";

const NOW = 1_790_000_000;
const UP = "wss://up.example.com";
const MISSED = "wss://missed.example.com";
const ALONE = "wss://alone.example.com";
let x: ExplorerSession;
let liar: FakeUser;

describe.skipIf(skipWithout(CHROMIUM))("other monitors in headless Chromium", () => {
  beforeAll(async () => {
    const honest = await Promise.all(["a", "b", "c"].map((s) => makeUser(`web-peer-${s}`)));
    liar = await makeUser("web-peer-liar");
    x = await startExplorer(
      async (db) => {
        await recordMonitorRuns(
          db.pool,
          [{ url: UP }, { url: MISSED, up: () => false }, { url: ALONE }],
          {
            end: NOW - 600,
            every: 3600,
            count: 2,
          },
        );
        const events: NostrEvent[] = [];
        for (const m of [...honest, liar]) events.push(peerAnnouncement(m, NOW - 3600));
        for (const m of honest)
          for (const u of [UP, MISSED]) events.push(peerDiscovery(m, u, NOW - 300, 80));
        for (const u of [UP, MISSED]) events.push(peerDiscovery(liar, u, NOW - 30 * 3600, 4));
        // A relay nobody else sees: the liar says it is up (so the liar is active and votes).
        events.push(peerDiscovery(liar, "wss://ghost.example.com", NOW - 60, 4));
        await insertEvents(db.pool, events, { profile: "bigbrotr" });
        const brotr = parseConfig(brotrConfigSchema, {}, "brotr.yaml");
        const config = parseConfig(monitorConfigSchema, { peers: { max_rechecks: 0 } }, "test");
        const { ctx } = createTestContext(db.pool, { service: "monitor", now: NOW });
        await runPeersPhase({ brotr }, config, ctx);
      },
      { now: NOW },
    );
  }, 120_000);
  afterAll(() => x?.close());

  it("lists the monitors, most reliable first, the liar last and marked", async () => {
    await x.open("#/monitors", "monitors");
    const rows = x.page.locator("#monitors-table tbody tr");
    expect(await rows.count()).toBe(4);
    expect(await rows.last().getAttribute("data-pubkey")).toBe(liar.pubkey);
    expect(await rows.last().getAttribute("class")).toBe("unreliable");
    expect(await x.page.locator("nav a.active").textContent()).toBe("Monitors");
    await x.shot("monitors");
  });

  it("shows on a relay page what other monitors say, beside our verdict", async () => {
    await x.open(`#/relay/${encodeURIComponent(MISSED)}`, "relay");
    const summary = await x.page.locator("#consensus-summary").textContent();
    expect(summary).toContain("Consensus: up — 3 of 4 monitors see it up, median rtt-open 80 ms");
    expect(summary).toContain("We say: down.");
    expect(summary).toContain("re-checks it early");
    expect(await x.page.locator("#relay-monitors-table tbody tr").count()).toBe(4);
    expect(await x.page.locator("#relay-monitors-table tr.outlier").count()).toBe(1);
    await x.page
      .locator("#relay-monitors")
      .screenshot({ path: "test-artifacts/explorer/relay-monitors.png" });
  });

  it("says so when no other monitor covers the relay", async () => {
    await x.open(`#/relay/${encodeURIComponent(ALONE)}`, "relay");
    expect(await x.page.locator("#relay-monitors").textContent()).toContain(
      "No other monitor has a verdict on this relay.",
    );
  });
});
