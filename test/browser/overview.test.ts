/**
 * The network overview: a map of relays by country whose countries lead to their relays, events
 * a day over the days that have events (not years of nothing), kind names, and a "no data yet"
 * note wherever there is nothing to show.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A, fillApiDatabase, NOW } from "../db/api/dataset.js";
import { CHROMIUM, type ExplorerSession, startExplorer } from "../support/browser.js";
import { skipWithout } from "../support/external-tool.js";
import { archiveSignedEvents, recordMonitorRuns } from "../support/network-history.js";

const DAY = 86_400;
const SINGAPORE = "wss://sg.example";
const day = (t: number) => new Date(t * 1000).toISOString().slice(0, 10);

describe.skipIf(skipWithout(CHROMIUM))("network overview in headless Chromium", () => {
  let x: ExplorerSession;
  /** Three events three years before the dataset's, on two days. */
  const OLD = NOW - 3 * 365 * DAY;
  beforeAll(async () => {
    x = await startExplorer(
      async (db) => {
        await recordMonitorRuns(db.pool, [{ url: SINGAPORE, geo: { geo_country: "SG" } }], {
          end: NOW - 600,
          every: 3600,
          count: 3,
        });
        await archiveSignedEvents(
          db.pool,
          [OLD, OLD + 60, OLD + DAY].map((t) => ({
            author: "erin",
            created_at: t,
            relays: [SINGAPORE],
          })),
        );
        // One event dated ten days after the statistics are computed.
        const future = Math.floor(Date.now() / 1000) + 10 * DAY;
        await archiveSignedEvents(db.pool, [
          { author: "erin", created_at: future, relays: [SINGAPORE] },
        ]);
        await fillApiDatabase(db.pool);
      },
      { now: NOW },
    );
    await x.open("#/overview", "overview");
  }, 120_000);
  afterAll(() => x?.close());

  it("draws events a day over the 30 days to the newest, noting what is left out", async () => {
    const chart = x.page.locator("#chart-daily");
    await chart.locator("canvas").waitFor();
    const lo = Number(await chart.getAttribute("data-x-min"));
    const hi = Number(await chart.getAttribute("data-x-max"));
    expect(hi - lo).toBe(30 * DAY);
    // The dataset's events are all on one day, NOW - 100000 .. NOW - 97100.
    expect(day(hi - 1)).toBe(day(NOW - 97_100));
    const notes = await x.page.locator(".daily-note").allTextContents();
    expect(notes).toEqual([
      "1 event dated after today is not drawn.",
      `The 30 days to ${day(NOW - 97_100)}; 3 older events on 2 days from ${day(OLD)} are not drawn.`,
    ]);
    await x.shot("overview-daily");
  });

  it("shades the countries with relays on a map, each a link to its relays", async () => {
    expect(await x.page.locator("#country-map path.hosted").count()).toBe(2);
    expect(await x.page.locator('#country-map a[data-country="US"] title').textContent()).toBe(
      "United States: 2 relays, 1 up",
    );
    expect(await x.page.locator("#undrawn-countries").textContent()).toBe(
      "Too small for this map: Singapore (1)",
    );
    expect(await x.page.locator("#kinds tbody tr").first().textContent()).toContain(
      "short text note",
    );
    expect(await x.page.locator("#stats-as-of").textContent()).toMatch(
      /^Event statistics as of \d{4}-\d\d-\d\d \d\d:\d\d UTC/,
    );
    await x.page.locator('#country-map a[data-country="DE"]').click();
    await x.ready("relays");
    expect(new URL(x.page.url()).hash).toBe("#/?country=DE");
    expect(await x.page.inputValue('input[name="country"]')).toBe("DE");
    await expect
      .poll(() =>
        x.page
          .locator("#relay-table tbody tr")
          .evaluateAll((r) => r.map((e) => e.getAttribute("data-url"))),
      )
      .toEqual([A]);
    await x.page.goBack();
    await x.ready("overview");
  });

  it("logged no error and asked no other host for anything", () => {
    expect(x.problems).toEqual([]);
    expect(x.foreign).toEqual([]);
  });
});

describe.skipIf(skipWithout(CHROMIUM))("network overview of an empty archive", () => {
  let x: ExplorerSession;
  beforeAll(async () => {
    x = await startExplorer(async () => {});
    await x.open("#/overview", "overview");
  }, 120_000);
  afterAll(() => x?.close());

  it("says 'no data yet' in place of every empty table and of the chart", async () => {
    for (const id of ["networks", "software", "nips", "countries", "kinds", "daily"]) {
      expect(await x.page.locator(`#${id}-empty`).textContent(), id).toMatch(/^No data yet/);
    }
    expect(await x.page.locator("table").count()).toBe(0);
    expect(await x.page.locator("#stats-as-of").textContent()).toContain("not computed yet");
    await x.shot("overview-empty");
    expect(x.problems).toEqual([]);
  });
});
