/**
 * The relay list's filters live in the URL (shared links, reload, back and forward), and every
 * view fits a phone: at 390 px nothing scrolls sideways and each relay is a short card.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A, B, C, fillApiDatabase, NOW } from "../db/api/dataset.js";
import { CHROMIUM, type ExplorerSession, startExplorer } from "../support/browser.js";
import { skipWithout } from "../support/external-tool.js";

let x: ExplorerSession;
const rows = () => x.page.locator("#relay-table tbody tr");
const shown = () => rows().evaluateAll((els) => els.map((e) => e.getAttribute("data-url")));
const hash = () => new URL(x.page.url()).hash;

describe.skipIf(skipWithout(CHROMIUM))("relay list and phone layout in headless Chromium", () => {
  beforeAll(async () => {
    x = await startExplorer((db) => fillApiDatabase(db.pool), { now: NOW });
  }, 120_000);
  afterAll(() => x?.close());

  it("keeps the filters in the URL: a shared link, a reload, back and forward", async () => {
    await x.open("#/?country=US,DE&status=up", "relays");
    await expect.poll(shown).toEqual([A, B]);
    expect(await x.page.inputValue('input[name="country"]')).toBe("US,DE");
    expect(await x.page.inputValue('select[name="status"]')).toBe("up");
    await x.page.selectOption('select[name="status"]', "down");
    await expect.poll(shown).toEqual([C]);
    expect(hash()).toBe("#/?status=down&country=US%2CDE");
    await Promise.all([
      x.page.waitForResponse((r) => r.url().includes("q=gam")),
      x.page.fill('input[name="q"]', "gam"),
    ]);
    expect(hash()).toBe("#/?q=gam&status=down&country=US%2CDE");
    await x.page.reload();
    await x.ready("relays");
    expect(await x.page.inputValue('input[name="q"]')).toBe("gam");
    await expect.poll(shown).toEqual([C]);
    await x.page.goBack();
    await x.ready("relays");
    expect(hash()).toBe("#/?status=down&country=US%2CDE");
    expect(await x.page.inputValue('input[name="q"]')).toBe("");
    await x.page.goBack();
    await x.ready("relays");
    await expect.poll(shown).toEqual([A, B]);
    await x.page.goForward();
    await x.ready("relays");
    await expect.poll(shown).toEqual([C]);
  });

  it("fits the relay table in a 1280 px window", async () => {
    await x.open("#/", "relays");
    await expect.poll(() => rows().count()).toBe(6);
    expect(await x.page.locator("html").evaluate((el) => el.scrollWidth - el.clientWidth)).toBe(0);
  });

  it("fits a 390 px phone: relays as cards, no view scrolling sideways", async () => {
    await x.page.setViewportSize({ width: 390, height: 844 });
    await x.open("#/", "relays");
    await expect.poll(() => rows().count()).toBe(6);
    const heights = await rows().evaluateAll((els) =>
      els.map((e) => e.getBoundingClientRect().height),
    );
    for (const height of heights) expect(height).toBeLessThan(260);
    expect(await x.page.locator("#relay-table thead").isVisible()).toBe(false);
    expect(await rows().first().locator('td[data-label="Uptime 30 d"]').isVisible()).toBe(true);
    // The filters past the search fold behind a button.
    expect(await x.page.locator('select[name="status"]').isVisible()).toBe(false);
    await x.shot("relays-phone");
    await x.page.click("button.filter-toggle");
    expect(await x.page.locator('select[name="status"]').isVisible()).toBe(true);
    for (const [view, hashOf] of [
      ["relay", `#/relay/${encodeURIComponent(A)}`],
      ["overview", "#/overview"],
      ["events", "#/events"],
      ["candidates", "#/candidates"],
      ["relays", "#/"],
    ]) {
      await x.open(hashOf as string, view as string);
      const overflow = await x.page
        .locator("html")
        .evaluate((el) => el.scrollWidth - el.clientWidth);
      expect(overflow, view).toBe(0);
      if (view === "overview" || view === "relay") await x.shot(`${view}-phone`);
    }
  });

  it("logged no error and asked no other host for anything", () => {
    expect(x.problems).toEqual([]);
    expect(x.foreign).toEqual([]);
  });
});
