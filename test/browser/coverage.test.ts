/**
 * Coverage in the explorer: the relay page says how much of the relay we hold, how and when it
 * was measured, with the history; a lying relay is flagged; the relay table shows and sorts it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CoverageMeasurement, recordCoverage } from "../../src/core/db/relay-coverage.js";
import { A, B, C, fillApiDatabase, NOW } from "../db/api/dataset.js";
import { CHROMIUM, type ExplorerSession, startExplorer } from "../support/browser.js";
import { coverageMeasurement } from "../support/coverage-measurement.js";
import { skipWithout } from "../support/external-tool.js";

let x: ExplorerSession;

const measurement = (relayUrl: string, m: Partial<CoverageMeasurement>): CoverageMeasurement =>
  coverageMeasurement({
    relayUrl,
    measuredAt: NOW - 120,
    since: 1_704_067_200,
    until: NOW - 300,
    ...m,
  });

describe.skipIf(skipWithout(CHROMIUM))("coverage in headless Chromium", () => {
  beforeAll(async () => {
    x = await startExplorer(
      async (db) => {
        await fillApiDatabase(db.pool);
        await recordCoverage(
          db.pool,
          measurement(A, { measuredAt: NOW - 7200, held: 40_000, relayCount: 50_000 }),
        );
        await recordCoverage(
          db.pool,
          measurement(A, {
            held: 48_210,
            relayCount: 51_007,
            hllAuthors: 2_010,
            hllError: 0.065,
            authorsHeld: 1_980,
          }),
        );
        await recordCoverage(
          db.pool,
          measurement(B, {
            held: 500,
            relayCount: 250,
            flag: "undercount",
            reason: "the relay counts 250 but we already hold 500 of its events",
          }),
        );
        await recordCoverage(
          db.pool,
          measurement(C, {
            method: "unknown",
            held: 12,
            reason: "no NIP-45 count: relay timeout: no COUNT within 5000 ms",
          }),
        );
      },
      { now: NOW },
    );
  }, 120_000);
  afterAll(() => x?.close());

  it("the relay page: we hold 48,210 of 51,007 (94.5%) since 2024-01-01, how and when", async () => {
    await x.open(`#/relay/${encodeURIComponent(A)}`, "relay");
    const summary = x.page.locator("#coverage-summary");
    expect(await summary.textContent()).toBe(
      "We hold 48,210 of this relay's 51,007 events (94.5%) created since 2024-01-01.",
    );
    expect(await x.page.locator("#relay-coverage").textContent()).toContain("NIP-45 COUNT");
    const rows = x.page.locator("#relay-coverage-table tbody tr");
    expect(await rows.count()).toBe(2);
    expect(await rows.first().textContent()).toContain("hll: ~2,010 authors");
    await x.page.locator("#relay-coverage").scrollIntoViewIfNeeded();
    await x.shot("relay-coverage");
  });

  it("a lying relay is flagged, an unknown one says why", async () => {
    await x.open(`#/relay/${encodeURIComponent(B)}`, "relay");
    expect(await x.page.locator("#coverage-summary").textContent()).toMatch(
      /counts fewer than we already hold from it/,
    );
    expect(await x.page.locator("#coverage-summary.flagged").count()).toBe(1);
    await x.open(`#/relay/${encodeURIComponent(C)}`, "relay");
    expect(await x.page.locator("#coverage-summary").textContent()).toBe(
      "Unknown: no NIP-45 count: relay timeout: no COUNT within 5000 ms.",
    );
  });

  it("the relay table shows coverage and sorts by it, least first", async () => {
    await x.open("#/?sort=coverage", "relays");
    await expect.poll(() => x.page.locator("#relay-table tbody tr").count()).toBeGreaterThan(3);
    const first = x.page.locator("#relay-table tbody tr").first();
    expect(await first.getAttribute("data-url")).toBe(A);
    expect(await first.locator('td[data-label="Coverage"]').textContent()).toBe("94.5%");
    const liar = x.page.locator(`#relay-table tbody tr[data-url="${B}"] td[data-label="Coverage"]`);
    expect(await liar.textContent()).toBe("flagged");
    await x.shot("relays-coverage");
    expect(x.problems).toEqual([]);
  });
});
