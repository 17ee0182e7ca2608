import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scaleRelays } from "../../../bench/support/scale-data.js";
import {
  BATCH_EVENTS,
  EventGenerator,
  type ScaleSpec,
} from "../../../bench/support/scale-events.js";
import { ingestEvents } from "../../../bench/support/scale-ingest.js";
import {
  createProgressTables,
  doneUnits,
  ingestRates,
  recordUnit,
} from "../../../bench/support/scale-progress.js";
import { insertRelays } from "../../../src/core/db/relays.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";

/** bench:scale's ingest: interrupted, then resumed, it archives every batch exactly once. */
const SPEC: ScaleSpec = { events: 5 * BATCH_EVENTS, relays: 40, days: 1, seed: 3, end: 1.8e9 };

describe("bench:scale ingest", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ poolSize: 3 });
    await createProgressTables(db.pool);
    const relays = scaleRelays(SPEC.relays, SPEC.seed, SPEC.end);
    await insertRelays(
      db.pool,
      relays.map((r) => ({ url: r.url, network: r.network, discoveredAt: r.discoveredAt })),
    );
  });
  afterAll(async () => {
    await db.drop();
  });

  it("stops when aborted and resumes, skipping every batch recorded as committed", async () => {
    const stop = new AbortController();
    let first = 0;
    await ingestEvents(db.pool, SPEC, stop.signal, () => {
      first += 1;
      if (first === 2) stop.abort();
    });
    const done = await doneUnits(db.pool, "events");
    expect(done.size).toBeGreaterThanOrEqual(2);
    expect(done.size).toBeLessThan(4);
    // As if the other archiver had committed batch 4 ahead of a gap: it is not written again.
    const unit = { phase: "events" as const, items: 0, sightings: 0, activeS: 0 };
    await recordUnit(db.pool, { ...unit, n: 4 });

    let second = 0;
    await ingestEvents(db.pool, SPEC, new AbortController().signal, () => {
      second += 1;
    });
    expect(second).toBe(4 - done.size);
    expect((await doneUnits(db.pool, "events")).size).toBe(5);

    const batches = [...new EventGenerator(SPEC).batches(0)].slice(0, 4);
    const events = batches.reduce((n, b) => n + b.fresh, 0);
    const sightings = batches.reduce((n, b) => n + b.sightings.length, 0);
    const { rows } = await db.pool.query<{ events: string; sightings: string }>(
      "SELECT (SELECT count(*) FROM event) AS events, (SELECT count(*) FROM event_relay) AS sightings",
    );
    expect(Number(rows[0]?.events)).toBe(events);
    expect(Number(rows[0]?.sightings)).toBe(sightings);
    const rates = await ingestRates(db.pool, BATCH_EVENTS);
    expect(rates.first).toBeGreaterThan(0);
    expect(rates.last).toBeGreaterThan(0);
  });
});
