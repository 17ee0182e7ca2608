import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Profile } from "../../../src/core/db/migrate.js";
import { refreshStatistics } from "../../../src/core/db/statistics/refresh.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { STATISTICS } from "../../support/statistics-recount.js";
import { id, loadDataset, pk, rows, T0 } from "./dataset.js";

const dbs = new Map<Profile, TestDatabase>();

beforeAll(async () => {
  const now = Math.floor(Date.now() / 1000);
  for (const profile of ["bigbrotr", "lilbrotr"] as const) {
    const db = await createTestDatabase({ profile });
    dbs.set(profile, db);
    await loadDataset(db.pool, profile, now);
    const report = await refreshStatistics(db.pool);
    expect(report.complete).toBe(true);
  }
});
afterAll(async () => {
  for (const db of dbs.values()) await db.drop();
});

function pool(profile: Profile) {
  const db = dbs.get(profile);
  if (!db) throw new Error(`no ${profile} database`);
  return db.pool;
}

const latest = (n: number, k: number, kind: number, at: number, dTag?: string) => ({
  id: id(n),
  pubkey: pk(k),
  kind,
  ...(dTag === undefined ? {} : { d_tag: dTag }),
  created_at: at,
});

describe.each(["bigbrotr", "lilbrotr"] as const)("latest events (%s)", (profile) => {
  it("events_replaceable_latest: newest per (pubkey, kind), a tie goes to the lowest id", async () => {
    expect(
      await rows(
        pool(profile),
        `SELECT encode(id, 'hex') AS id, encode(pubkey, 'hex') AS pubkey, kind, created_at
           FROM events_replaceable_latest ORDER BY pubkey, kind`,
      ),
    ).toEqual([latest(5, 1, 0, T0 + 200), latest(7, 2, 10002, T0 + 50)]);
  });

  it("events_addressable_latest: newest per (pubkey, kind, d_tag)", async () => {
    // Event 11 has the d tags "zeta" then "alpha": bigbrotr takes the first d tag; lilbrotr
    // only has tagvalues (no order) and takes the lowest value.
    const multi = profile === "bigbrotr" ? "zeta" : "alpha";
    const got = await rows(
      pool(profile),
      `SELECT encode(id, 'hex') AS id, encode(pubkey, 'hex') AS pubkey, kind, d_tag, created_at
         FROM events_addressable_latest`,
    );
    const expected = [
      latest(21, 2, 30000, T0 + 900, "list"), // tie with 22: lowest id
      latest(10, 3, 30023, T0 + 400, "post"), // newer than 9
      latest(11, 3, 30023, T0 + 500, multi),
      latest(12, 3, 30023, T0 + 600, ""), // no d tag
      latest(13, 3, 30024, T0 + 700, ""), // d value over 1024 bytes
      latest(14, 3, 30025, T0 + 650, ""), // ["d"] without a value
    ];
    expect(got).toHaveLength(expected.length);
    expect(got).toEqual(expect.arrayContaining(expected));
  });
});

describe("both profiles", () => {
  it("give the same contents in every statistic except events_addressable_latest", async () => {
    const dump = async (profile: Profile, view: string) =>
      (
        await rows<{ j: string }>(
          pool(profile),
          `SELECT (to_jsonb(v) - 'refreshed_at')::text AS j FROM ${view} v ORDER BY 1`,
        )
      ).map((r) => r.j);
    for (const name of STATISTICS) {
      if (name === "events_addressable_latest") continue;
      const big = await dump("bigbrotr", name);
      expect(big.length, name).toBeGreaterThan(0);
      expect(await dump("lilbrotr", name), name).toEqual(big);
    }
  });
});
