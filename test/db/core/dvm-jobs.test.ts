/**
 * dvm_job (migration 000015) through its owner: a request is claimed once, concurrent claims
 * from many holders give it to one; a claim whose holder died is taken over after staleAfter,
 * and the old holder can then no longer keep a response; the rate count is exact under
 * concurrent claims of one requester.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  claimDvmJob,
  deleteDvmJobsBefore,
  finishDvmJob,
  newestDvmRequest,
} from "../../../src/core/db/dvm-jobs.js";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 10 });
});
afterAll(async () => {
  await db?.drop();
});

const id = (n: number) => n.toString(16).padStart(64, "0");
const REQUESTER = "ab".repeat(32);
const claim = (n: number, holder: string, now: number, requester = REQUESTER) =>
  claimDvmJob(db.pool, {
    requestId: id(n),
    kind: 5400,
    requester,
    createdAt: 1_000 + n,
    holder,
    now,
    staleAfter: 300,
    rateSince: now - 60,
  });
const response = { id: id(999), kind: 6400, content: "1" } as NostrEvent;

describe("dvm_job", () => {
  it("gives a request to one of many concurrent holders", async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => claim(1, `h${i}`, 10_000)),
    );
    expect(outcomes.filter((o) => o.claimed)).toHaveLength(1);
    const busy = outcomes.find((o) => !o.claimed);
    expect(busy).toMatchObject({ claimed: false, status: "claimed", response: null });
  });

  it("keeps the response of its holder and hands it to later claims", async () => {
    const first = await claim(2, "a", 10_000);
    expect(first.claimed).toBe(true);
    expect(
      await finishDvmJob(db.pool, { requestId: id(2), holder: "b", now: 10_001 }, "done", response),
    ).toBe(false);
    expect(
      await finishDvmJob(db.pool, { requestId: id(2), holder: "a", now: 10_001 }, "done", response),
    ).toBe(true);
    expect(await claim(2, "b", 20_000)).toEqual({
      claimed: false,
      status: "done",
      holder: "a",
      response,
    });
  });

  it("takes over a claim older than staleAfter; the old holder cannot keep a response", async () => {
    expect((await claim(3, "dead", 10_000)).claimed).toBe(true);
    expect((await claim(3, "alive", 10_299)).claimed).toBe(false);
    expect((await claim(3, "alive", 10_300)).claimed).toBe(true);
    expect(
      await finishDvmJob(
        db.pool,
        { requestId: id(3), holder: "dead", now: 10_301 },
        "done",
        response,
      ),
    ).toBe(false);
    expect(
      await finishDvmJob(
        db.pool,
        { requestId: id(3), holder: "alive", now: 10_301 },
        "done",
        response,
      ),
    ).toBe(true);
  });

  it("counts a requester's claims exactly under concurrency", async () => {
    const other = "cd".repeat(32);
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, i) => claim(100 + i, `r${i}`, 50_000, other)),
    );
    const counts = outcomes.map((o) => (o.claimed ? o.recent : -1)).sort((a, b) => a - b);
    expect(counts).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("knows the newest request and deletes by age", async () => {
    expect(await newestDvmRequest(db.pool)).toBe(1_105);
    expect(await deleteDvmJobsBefore(db.pool, 20_000)).toBe(3);
  });
});
