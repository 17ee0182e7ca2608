import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  deleteServiceState,
  getServiceState,
  upsertServiceState,
} from "../../../../src/core/db/service-state/rows.js";
import type { ServiceState } from "../../../../src/models/service-state.js";
import { createTestDatabase, type TestDatabase } from "../../../support/pg.js";

function cursor(key: string, stateValue: Record<string, unknown>): ServiceState {
  return { serviceName: "synchronizer", stateType: "cursor", stateKey: key, stateValue };
}

describe("service_state", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it("upserts replace the value wholesale; the last repeat of a key in a batch wins", async () => {
    const written = await upsertServiceState(db.pool, [
      cursor("wss://b.example", { timestamp: 1 }),
      cursor("wss://a.example", { timestamp: 5, id: "aa" }),
      cursor("wss://b.example", { timestamp: 2 }),
    ]);
    expect(written).toBe(2);
    await upsertServiceState(db.pool, [cursor("wss://a.example", { timestamp: 6 })]);
    const rows = await getServiceState(db.pool, "synchronizer", "cursor");
    expect(rows.map((r) => [r.stateKey, r.stateValue])).toEqual([
      ["wss://a.example", { timestamp: 6 }],
      ["wss://b.example", { timestamp: 2 }],
    ]);
    const now = Math.floor(Date.now() / 1000);
    for (const r of rows) expect(Math.abs(r.updatedAt - now)).toBeLessThan(60);
  });

  it("reads one key, keeps services and types apart, and deletes given keys", async () => {
    await upsertServiceState(db.pool, [
      { serviceName: "finder", stateType: "cursor", stateKey: "wss://a.example", stateValue: {} },
      { ...cursor("wss://a.example", { x: 1 }), stateType: "checkpoint" },
    ]);
    const one = await getServiceState(db.pool, "synchronizer", "cursor", "wss://a.example");
    expect(one).toHaveLength(1);
    expect(one[0]?.stateValue).toEqual({ timestamp: 6 });
    expect(await getServiceState(db.pool, "synchronizer", "cursor", "wss://none")).toEqual([]);
    const removed = await deleteServiceState(db.pool, "synchronizer", "cursor", [
      "wss://a.example",
      "wss://none",
    ]);
    expect(removed).toBe(1);
    expect(await deleteServiceState(db.pool, "synchronizer", "cursor", [])).toBe(0);
    expect(await getServiceState(db.pool, "finder", "cursor")).toHaveLength(1);
    expect(await getServiceState(db.pool, "synchronizer", "checkpoint")).toHaveLength(1);
  });
});
