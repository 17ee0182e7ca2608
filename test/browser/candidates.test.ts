/** The candidates page: URLs not validated yet, why they failed and when they are tried again. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  insertCandidates,
  recordCandidateFailures,
} from "../../src/core/db/service-state/candidates.js";
import { CHROMIUM, type ExplorerSession, startExplorer } from "../support/browser.js";
import { skipWithout } from "../support/external-tool.js";

const ONION = `ws://${"b".repeat(56)}.onion`;
const REFUSING = "wss://refusing.example";
const NEW = "wss://new.example";
/** The page counts "next attempt" from the browser's clock. */
const T = Math.floor(Date.now() / 1000);

const shown = (x: ExplorerSession) =>
  x.page
    .locator("#candidate-table tbody tr")
    .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-url")));

describe.skipIf(skipWithout(CHROMIUM))("candidates page in headless Chromium", () => {
  let x: ExplorerSession;
  beforeAll(async () => {
    x = await startExplorer(async (db) => {
      await insertCandidates(
        db.pool,
        [
          { url: NEW, network: "clearnet", source: "seed" },
          { url: REFUSING, network: "clearnet", source: "kind 10002" },
          { url: ONION, network: "tor", source: "seed" },
        ],
        T - 86_400,
      );
      await recordCandidateFailures(
        db.pool,
        [
          { url: REFUSING, failures: 3, nextAttempt: T + 2 * 3600, reason: "connection refused" },
          { url: ONION, failures: 1, nextAttempt: T - 60, reason: "tor proxy unreachable" },
        ],
        T - 600,
      );
    });
  }, 120_000);
  afterAll(() => x?.close());

  it("lists each candidate with its failures, last failure reason and next attempt", async () => {
    await x.page.goto(x.api.url);
    await x.ready("relays");
    await x.page.click('nav a[data-nav="candidates"]');
    await x.ready("candidates");
    await expect.poll(() => shown(x)).toEqual([ONION, NEW, REFUSING]);
    expect(await x.page.locator("#candidate-count").textContent()).toBe(
      "3 candidates waiting for validation",
    );
    const cells = (url: string) =>
      x.page.locator(`#candidate-table tr[data-url="${url}"] td`).allTextContents();
    const refusing = await cells(REFUSING);
    expect(refusing.slice(1, 3)).toEqual(["clearnet", "3"]);
    expect(refusing[3]).toMatch(/^connection refused\d{4}-/);
    expect(refusing[4]).toMatch(/^in 2 h/);
    expect(refusing[6]).toBe("kind 10002");
    expect((await cells(NEW))[3]).toBe("not tried yet");
    expect((await cells(ONION))[4]).toMatch(/^due now/);
    await x.shot("candidates");
  });

  it("filters by network, kept in the URL, and back undoes it", async () => {
    await x.page.selectOption('select[name="network"]', "tor");
    await expect.poll(() => shown(x)).toEqual([ONION]);
    expect(new URL(x.page.url()).hash).toBe("#/candidates?network=tor");
    await x.page.goBack();
    await x.ready("candidates");
    await expect.poll(() => shown(x)).toEqual([ONION, NEW, REFUSING]);
    expect(await x.page.inputValue('select[name="network"]')).toBe("");
    await x.page.goForward();
    await x.ready("candidates");
    await expect.poll(() => shown(x)).toEqual([ONION]);
    expect(await x.page.inputValue('select[name="network"]')).toBe("tor");
  });

  it("logged no error and asked no other host for anything", () => {
    expect(x.problems).toEqual([]);
    expect(x.foreign).toEqual([]);
  });
});
