import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertRelays } from "../../../src/core/db/relays.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";

describe("insertRelays", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ profile: "lilbrotr" });
  });
  afterAll(async () => {
    await db.drop();
  });

  it("counts new relays; the first row of a repeated URL wins; existing ones are kept", async () => {
    const a = { url: "wss://a.example", network: "clearnet" as const, discoveredAt: 10 };
    const b = { url: "ws://b.onion", network: "tor" as const, discoveredAt: 20 };
    expect(await insertRelays(db.pool, [a, b, { ...a, discoveredAt: 99 }])).toBe(2);
    expect(await insertRelays(db.pool, [{ ...a, discoveredAt: 5 }])).toBe(0);
    expect(await insertRelays(db.pool, [])).toBe(0);
    const { rows } = await db.pool.query(
      "SELECT url, network, discovered_at FROM relay ORDER BY url",
    );
    expect(rows).toEqual([
      { url: "ws://b.onion", network: "tor", discovered_at: 20 },
      { url: "wss://a.example", network: "clearnet", discovered_at: 10 },
    ]);
  });
});
