/**
 * The explorer as a new user first sees it, in headless Chromium (Debian's, through
 * playwright-core; background networking, component updates and sync off, every host but
 * loopback unreachable): the relay table, the network overview and the events browser.
 */
import { join } from "node:path";
import { launchBrowser, watchedPage } from "../../test/support/browser.js";
import type { Checks } from "./checks.js";
import { waitFor } from "./processes.js";

export interface ExplorerExpectations {
  /** The API's address, e.g. http://127.0.0.1:8180 */
  origin: string;
  /** How many relays the API lists (the table must say the same). */
  relays: number;
  /** Where screenshots go. */
  shots: string;
}

export async function checkExplorer(checks: Checks, expected: ExplorerExpectations) {
  const browser = await launchBrowser();
  try {
    const w = await watchedPage(browser, expected.origin);
    const ready = (view: string) =>
      w.page.waitForSelector(`body[data-ready="${view}"]`, { timeout: 60_000 });
    const shot = (name: string) =>
      w.page.screenshot({ path: join(expected.shots, `${name}.png`), fullPage: true });
    await checks.step("explorer: the relay table lists the API's relays", async () => {
      await w.page.goto(`${expected.origin}/`);
      await ready("relays");
      const rows = w.page.locator("#relay-table tbody tr");
      await waitFor(
        "rows in the relay table",
        async () => ((await rows.count()) > 0 ? true : undefined),
        60_000,
        500,
      );
      const count = (await w.page.locator("#relay-count").textContent()) ?? "";
      await shot("relays");
      const shown = await rows.count();
      if (!count.startsWith(`${expected.relays} relay`)) {
        throw new Error(`"${count}" while the API lists ${expected.relays}`);
      }
      return `${shown} rows, "${count}"`;
    });
    await checks.step("explorer: the network overview shows its cards", async () => {
      await w.page.goto(`${expected.origin}/#/overview`);
      await ready("overview");
      const cards = await w.page.locator("#overview-cards .card").allTextContents();
      await shot("overview");
      if (cards.length === 0) throw new Error("no cards");
      return cards.slice(0, 4).join(" | ");
    });
    await checks.step("explorer: the events browser shows events, none a write probe", async () => {
      await w.page.goto(`${expected.origin}/#/events`);
      await ready("events");
      await w.page.waitForSelector(".event", { timeout: 60_000 });
      const events = await w.page.locator(".event").count();
      const text = (await w.page.locator("#app").textContent()) ?? "";
      await shot("events");
      if (text.includes("NIP-66 write probe")) throw new Error("a monitor write probe is listed");
      return `${events} events shown`;
    });
    checks.check(
      "explorer: no console error, no request off the machine",
      w.problems.length === 0 && w.foreign.length === 0,
      [...w.problems, ...w.foreign].slice(0, 5).join("; "),
    );
  } finally {
    await browser.close();
  }
}
