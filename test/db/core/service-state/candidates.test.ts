import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { insertRelays } from "../../../../src/core/db/relays.js";
import {
  countDueCandidates,
  deleteSpentCandidates,
  fetchDueCandidates,
  insertCandidates,
  knownUrls,
  promoteCandidates,
  recordCandidateFailures,
} from "../../../../src/core/db/service-state/candidates.js";
import { transaction } from "../../../../src/core/db/transaction.js";
import { readCandidates } from "../../../support/candidates.js";
import { createTestDatabase, type TestDatabase } from "../../../support/pg.js";

const NOW = 1_700_000_000;
const candidate = (url: string, network: "clearnet" | "tor" = "clearnet") => ({
  url,
  network,
  source: "test",
});

describe("candidates (service_state owner)", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });
  beforeEach(async () => {
    await db.pool.query("DELETE FROM service_state; DELETE FROM relay");
  });

  async function relays() {
    const { rows } = await db.pool.query<{ url: string; discovered_at: number }>(
      "SELECT url, discovered_at FROM relay ORDER BY url",
    );
    return rows;
  }

  it("adds only URLs that are neither relays nor candidates, and knows both", async () => {
    await insertRelays(db.pool, [
      { url: "wss://relay.example", network: "clearnet", discoveredAt: 1 },
    ]);
    expect(await insertCandidates(db.pool, [candidate("wss://c.example")], NOW)).toBe(1);
    await recordCandidateFailures(
      db.pool,
      [{ url: "wss://c.example", failures: 3, nextAttempt: NOW + 60, reason: "refused" }],
      NOW,
    );
    const added = await insertCandidates(
      db.pool,
      [
        candidate("wss://relay.example"),
        candidate("wss://c.example"),
        candidate("wss://new.example"),
        candidate("wss://new.example"),
      ],
      NOW + 1,
    );
    expect(added).toBe(1);
    const [kept] = await readCandidates(db.pool, ["wss://c.example"]);
    expect(kept).toMatchObject({ failures: 3, firstSeen: NOW, reason: "refused" });
    const known = await knownUrls(db.pool, [
      "wss://relay.example",
      "wss://c.example",
      "wss://unknown.example",
    ]);
    expect([...known].sort()).toEqual(["wss://c.example", "wss://relay.example"]);
  });

  it("promotes through relays.ts: relay in (first seen = discovered), candidate out", async () => {
    await insertCandidates(
      db.pool,
      [candidate("wss://a.example"), candidate("wss://b.example")],
      NOW,
    );
    await insertRelays(db.pool, [{ url: "wss://b.example", network: "clearnet", discoveredAt: 5 }]);
    const promotions = [
      { url: "wss://a.example", network: "clearnet" as const, firstSeen: NOW - 10 },
      { url: "wss://b.example", network: "clearnet" as const, firstSeen: NOW - 10 },
    ];
    // Inside a caller's transaction that rolls back: nothing happens.
    await expect(
      transaction(db.pool, async (c) => {
        await promoteCandidates(c, promotions);
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(await relays()).toEqual([{ url: "wss://b.example", discovered_at: 5 }]);
    expect(await promoteCandidates(db.pool, promotions)).toBe(2);
    expect(await relays()).toEqual([
      { url: "wss://a.example", discovered_at: NOW - 10 },
      { url: "wss://b.example", discovered_at: 5 },
    ]);
    expect(await readCandidates(db.pool, ["wss://a.example", "wss://b.example"])).toEqual([]);
  });

  it("serves due candidates fewest failures first, counts them, and drops spent ones", async () => {
    await insertCandidates(
      db.pool,
      [
        candidate("wss://fresh.example"),
        candidate("wss://tried.example"),
        candidate("wss://later.example"),
        candidate("wss://dead.example"),
        candidate("wss://hidden.onion", "tor"),
      ],
      NOW,
    );
    await recordCandidateFailures(
      db.pool,
      [
        { url: "wss://tried.example", failures: 1, nextAttempt: NOW, reason: "x" },
        { url: "wss://later.example", failures: 1, nextAttempt: NOW + 3600, reason: "x" },
        { url: "wss://dead.example", failures: 5, nextAttempt: NOW, reason: "x" },
      ],
      NOW - 100,
    );
    const due = await fetchDueCandidates(db.pool, ["clearnet"], NOW, 10);
    expect(due.map((c) => c.url)).toEqual([
      "wss://fresh.example",
      "wss://tried.example",
      "wss://dead.example",
    ]);
    expect(due[1]).toMatchObject({ failures: 1, lastAttempt: NOW - 100, nextAttempt: NOW });
    expect(await countDueCandidates(db.pool, ["clearnet", "tor"], NOW)).toEqual(
      new Map([
        ["clearnet", 3],
        ["tor", 1],
      ]),
    );
    await insertRelays(db.pool, [
      { url: "wss://fresh.example", network: "clearnet", discoveredAt: 1 },
    ]);
    expect(await fetchDueCandidates(db.pool, ["clearnet"], NOW, 1)).toMatchObject([
      { url: "wss://tried.example" },
    ]);
    expect(await deleteSpentCandidates(db.pool, 5)).toEqual({ promoted: 1, exhausted: 1 });
    expect(await deleteSpentCandidates(db.pool, 0)).toEqual({ promoted: 0, exhausted: 0 });
  });
});
