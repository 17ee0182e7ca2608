import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A, C, fillApiDatabase, NOW } from "../db/api/dataset.js";
import { startTestApi, type TestApi } from "../support/api.js";
import {
  ARTIFACTS,
  CHROMIUM,
  launchBrowser,
  type WatchedPage,
  watchedPage,
} from "../support/browser.js";
import { skipWithout } from "../support/external-tool.js";
import { createTestDatabase, type TestDatabase } from "../support/pg.js";

let db: TestDatabase;
let api: TestApi;
let browser: Browser;
let w: WatchedPage;

const ready = (view: string) => w.page.waitForSelector(`body[data-ready="${view}"]`);
const rows = () => w.page.locator("#relay-table tbody tr");
/** The URLs the table shows (the callers poll it: filters apply asynchronously). */
const shown = () => rows().evaluateAll((els) => els.map((e) => e.getAttribute("data-url")));
const shot = (name: string) =>
  w.page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

describe.skipIf(skipWithout(CHROMIUM))("web explorer in headless Chromium", () => {
  beforeAll(async () => {
    db = await createTestDatabase();
    await fillApiDatabase(db.pool);
    api = await startTestApi(db.pool, {}, { now: NOW, explorer: true });
    browser = await launchBrowser();
    w = await watchedPage(browser, api.url.replace(/\/$/, ""));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await db?.drop();
  });

  it("loads the relay table and filters it, by search and by the filter fields", async () => {
    await w.page.goto(api.url);
    await ready("relays");
    await expect.poll(() => rows().count()).toBe(6);
    expect(await w.page.locator("#relay-count").textContent()).toBe("6 relays match");
    await shot("relays");
    await w.page.fill('input[name="q"]', "alph");
    await expect.poll(shown).toEqual([A]);
    await w.page.fill('input[name="q"]', "");
    await w.page.selectOption('select[name="status"]', "down");
    await expect.poll(shown).toEqual([C]);
    await w.page.selectOption('select[name="status"]', "");
    await w.page.fill('input[name="nips"]', "42");
    await expect.poll(shown).toEqual([A, C]);
    await w.page.fill('input[name="nips"]', "x");
    await expect.poll(() => w.page.locator("#relay-count.error").count()).toBe(1);
    // A bad filter is a 400 the page shows; the browser logs that failed fetch (only that)
    // as a console error, which is expected here.
    const expected = w.problems.filter((p) => /status of 400/.test(p));
    expect(expected).toHaveLength(1);
    w.problems.splice(w.problems.indexOf(expected[0] as string), 1);
    await w.page.fill('input[name="nips"]', "");
    await expect.poll(() => rows().count()).toBe(6);
  });

  it("opens a relay page whose charts and map render", async () => {
    await w.page.click(`a[href="#/relay/${encodeURIComponent(A)}"]`);
    await ready("relay");
    expect(await w.page.locator("h1").textContent()).toBe(`Alpha relay — ${A}`);
    expect(await w.page.locator("#uptime-cards .card b").allTextContents()).toEqual([
      "100.0%",
      "100.0%",
      "100.0%",
    ]);
    // uPlot draws on a canvas inside each chart; the map is SVG paths from world-atlas.
    for (const chart of ["#chart-updown", "#chart-rtt"]) {
      const box = await w.page.locator(`${chart} canvas`).boundingBox();
      expect(box?.width, chart).toBeGreaterThan(300);
    }
    expect(await w.page.locator("#chart-rtt .u-legend").textContent()).toContain("open");
    expect(await w.page.locator("#relay-map path.land").count()).toBeGreaterThan(150);
    expect(await w.page.locator("#relay-map circle.marker").count()).toBe(1);
    expect(await w.page.locator("#relay-map").textContent()).toContain("DB-IP");
    expect(await w.page.locator("#relay-nip11").textContent()).toContain('"supported_nips"');
    expect(await w.page.locator("#relay-checks summary").count()).toBe(4);
    await shot("relay");
  });

  it("shows the network overview", async () => {
    await w.page.goto(`${api.url}#/overview`);
    await ready("overview");
    const cards = await w.page.locator("#overview-cards .card").allTextContents();
    expect(cards[0]).toBe("6relays");
    expect(cards[1]).toBe("3up now");
    expect(await w.page.locator("#countries tbody tr").count()).toBe(2);
    expect(await w.page.locator("#software tbody tr").count()).toBeGreaterThan(2);
    expect(await w.page.locator("#chart-daily canvas").count()).toBeGreaterThan(0);
    await shot("overview");
  });

  it("pages through events, newest first, and filters them", async () => {
    await w.page.goto(`${api.url}#/events`);
    await ready("events");
    const ids = () =>
      w.page
        .locator("#event-list .event")
        .evaluateAll((els) => els.map((e) => e.getAttribute("data-id")));
    await expect.poll(async () => (await ids()).length).toBe(20);
    const first = await ids();
    await shot("events");
    await w.page.click("#next-events");
    await expect.poll(() => w.page.locator("#event-status").getAttribute("data-page")).toBe("2");
    const second = await ids();
    expect(second).toHaveLength(10);
    expect(second.filter((id) => first.includes(id))).toEqual([]);
    expect(await w.page.locator("#next-events").isHidden()).toBe(true);
    await w.page.fill('input[name="kinds"]', "7");
    await w.page.click('#event-filter button[type="submit"]');
    await expect.poll(async () => (await ids()).length).toBe(6);
  });

  it("logged no error and asked no other host for anything", () => {
    expect(w.problems).toEqual([]);
    expect(w.foreign).toEqual([]);
  });
});
