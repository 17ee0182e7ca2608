/**
 * The relay page's history charts show a sensible range for one check, two close ones and 30
 * days of them, under a heading that says which; an unknown relay's page says so and leads back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A, fillApiDatabase, NOW } from "../db/api/dataset.js";
import { CHROMIUM, type ExplorerSession, startExplorer } from "../support/browser.js";
import { skipWithout } from "../support/external-tool.js";
import { recordMonitorRuns } from "../support/network-history.js";

const ONCE = "wss://once.example";
const TWICE = "wss://twice.example";
const HOUR = 3600;
const utc = (t: number) => `${new Date(t * 1000).toISOString().replace("T", " ").slice(0, 16)} UTC`;

let x: ExplorerSession;

/** The x range a chart shows (unix seconds), as the chart records it. */
async function range(chart: string): Promise<[number, number]> {
  const el = x.page.locator(chart);
  await el.locator("canvas").waitFor();
  return [Number(await el.getAttribute("data-x-min")), Number(await el.getAttribute("data-x-max"))];
}

const heading = () => x.page.locator("#history-heading").textContent();

describe.skipIf(skipWithout(CHROMIUM))("relay page in headless Chromium", () => {
  beforeAll(async () => {
    x = await startExplorer(
      async (db) => {
        await fillApiDatabase(db.pool);
        await recordMonitorRuns(db.pool, [{ url: ONCE }], { end: NOW - 600, every: 60, count: 1 });
        await recordMonitorRuns(db.pool, [{ url: TWICE }], { end: NOW - 600, every: 60, count: 2 });
      },
      { now: NOW },
    );
  }, 120_000);
  afterAll(() => x?.close());

  it("shows one check in a two-hour range around it, under a heading that says one check", async () => {
    await x.open(`#/relay/${encodeURIComponent(ONCE)}`, "relay");
    expect(await heading()).toBe(`Up / down: one check, ${utc(NOW - 600)}`);
    for (const chart of ["#chart-updown", "#chart-rtt"]) {
      const [lo, hi] = await range(chart);
      expect(hi - lo, chart).toBe(2 * HOUR);
      expect(lo, chart).toBeLessThan(NOW - 600);
      expect(hi, chart).toBeGreaterThan(NOW - 600);
    }
    await x.shot("relay-one-check");
  });

  it("shows two checks a minute apart in two hours, not one minute", async () => {
    await x.open(`#/relay/${encodeURIComponent(TWICE)}`, "relay");
    expect(await heading()).toBe(`Up / down, 2 checks from ${utc(NOW - 660)} to ${utc(NOW - 600)}`);
    for (const chart of ["#chart-updown", "#chart-rtt"]) {
      const [lo, hi] = await range(chart);
      expect(hi - lo, chart).toBe(2 * HOUR);
      expect(lo, chart).toBeLessThan(NOW - 660);
      expect(hi, chart).toBeGreaterThan(NOW - 600);
    }
    await x.shot("relay-two-checks");
  });

  it("shows 30 days of hourly checks as the 30 days to the newest check", async () => {
    await x.open(`#/relay/${encodeURIComponent(A)}`, "relay");
    expect(await heading()).toBe(`Up / down, the 30 days to the newest check (${utc(NOW - 600)})`);
    const [lo, hi] = await range("#chart-updown");
    expect(hi).toBe(NOW - 600);
    expect(hi - lo).toBeGreaterThan(29 * 86_400);
  });

  it("says an unknown relay is not in the archive, with a link back to the list", async () => {
    const url = "wss://nowhere.example";
    await x.open(`#/relay/${encodeURIComponent(url)}`, "relay");
    expect(await x.page.locator("h1").textContent()).toBe("Relay not found");
    expect(await x.page.locator("#relay-not-found").textContent()).toContain(url);
    await x.shot("relay-not-found");
    await x.page.click("text=← all relays");
    await x.ready("relays");
    await expect.poll(() => x.page.locator("#relay-table tbody tr").count()).toBe(8);
    // The browser logs the API's 404 (the page shows it as its message).
    expect(x.expectProblems(/status of 404/)).toBe(1);
  });

  it("logged no error and asked no other host for anything", () => {
    expect(x.problems).toEqual([]);
    expect(x.foreign).toEqual([]);
  });
});
