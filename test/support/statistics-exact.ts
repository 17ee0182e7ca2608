import type pg from "pg";
import { expect } from "vitest";
import { STATISTICS, statisticAndRecount } from "./statistics-recount.js";
import { relayUptimeMismatches } from "./uptime-recount.js";

/**
 * Asserts that every statistic, and the uptime rollup kept by the history's writers, equals its
 * recount (the message names the statistic).
 */
export async function expectStatisticsExact(
  db: Pick<pg.Pool, "query">,
  profile: "bigbrotr" | "lilbrotr" = "bigbrotr",
  context = "",
): Promise<void> {
  for (const name of STATISTICS) {
    const { actual, expected } = await statisticAndRecount(db, name, profile);
    expect(actual, `${name} ${context}`).toEqual(expected);
  }
  expect(await relayUptimeMismatches(db), `relay_uptime ${context}`).toBe(0);
}
