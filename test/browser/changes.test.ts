/**
 * Relay changes in the explorer: the overview shows the latest live (a change stored while the
 * page is open appears on top), a relay page its own history.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertChanges } from "../../src/core/db/relay-changes.js";
import { A, fillApiDatabase, NOW } from "../db/api/dataset.js";
import { CHROMIUM, type ExplorerSession, startExplorer } from "../support/browser.js";
import { skipWithout } from "../support/external-tool.js";

describe.skipIf(skipWithout(CHROMIUM))("relay changes in headless Chromium", () => {
  let x: ExplorerSession;
  let other: string;
  beforeAll(async () => {
    x = await startExplorer(
      async (db) => {
        await fillApiDatabase(db.pool);
        other = (await db.pool.query("SELECT url FROM relay WHERE url <> $1 LIMIT 1", [A])).rows[0]
          .url;
        // One at a time: ids (the feed's order) follow the calls.
        for (const change of [
          { relayUrl: A, kind: "down" as const, checkedAt: NOW - 7200, evidence: { failures: 3 } },
          { relayUrl: A, kind: "up" as const, checkedAt: NOW - 3600, evidence: { rtt_open: 40 } },
          {
            relayUrl: other,
            kind: "nip11_changed" as const,
            checkedAt: NOW - 60,
            evidence: { fields: ["name"] },
          },
        ]) {
          await insertChanges(db.pool, [change], NOW);
        }
      },
      { now: NOW },
    );
  }, 120_000);
  afterAll(() => x?.close());

  it("shows the latest changes on the overview and adds a new one live", async () => {
    await x.open("#/overview", "overview");
    const rows = x.page.locator("#latest-changes tbody tr");
    expect(await rows.allTextContents()).toEqual([
      expect.stringContaining("NIP-11 changedname"),
      expect.stringContaining("up again"),
      expect.stringContaining("down3 failed checks"),
    ]);
    await insertChanges(
      x.db.pool,
      [{ relayUrl: A, kind: "cert_expiring", checkedAt: NOW, evidence: { days_left: 5 } }],
      NOW,
    );
    await x.page.locator("#latest-changes tbody tr.change-cert_expiring").waitFor();
    expect(await rows.first().textContent()).toContain("certificate expiring5 days left");
    await x.shot("overview-changes");
  });

  it("shows a relay's own changes on its page", async () => {
    await x.open(`#/relay/${encodeURIComponent(A)}`, "relay");
    const kinds = await x.page.locator("#relay-changes tbody tr td:nth-child(2)").allTextContents();
    expect(kinds).toEqual(["certificate expiring", "up again", "down"]);
    await x.open(`#/relay/${encodeURIComponent(other)}`, "relay");
    expect(await x.page.locator("#relay-changes tbody tr").count()).toBe(1);
  });
});
