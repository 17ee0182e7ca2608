/**
 * Stored alert subscriptions and the operators' DM commands on real PostgreSQL: who gets a
 * change (a DM only while its pubkey operates the relay), the per-owner bound, an operator's
 * subscription made once, each gift wrap claimed once with the sender's rate count, and the
 * API's role able to write this one table and no other.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimDmCommand } from "../../../src/core/db/alert-dm-commands.js";
import {
  createSubscription,
  subscribeOperator,
  subscriptionCandidates,
} from "../../../src/core/db/alert-subscriptions.js";
import { relayOperators } from "../../../src/core/db/read/relay-operators.js";
import { recordRelayMetadata } from "../../../src/core/db/relay-metadata.js";
import { createLoginRoles } from "../../../src/core/db/roles.js";
import { transaction } from "../../../src/core/db/transaction.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";

const A = "wss://a.example";
const B = "wss://b.example";
const OP = "a".repeat(64);
const OTHER = "b".repeat(64);
let db: TestDatabase;
let ids: Map<string, number>;

/** A's newest fetched NIP-11 names `pubkey` (at `at`); a failed fetch after it changes nothing. */
async function nip11(url: string, pubkey: string | undefined, at: number): Promise<void> {
  const relay = { url, network: "clearnet" as const, discoveredAt: 1 };
  const data = { data: pubkey ? { name: "x", pubkey } : { name: "x" }, logs: { success: true } };
  const failed = { data: {}, logs: { success: false, reason: "refused" } };
  await recordRelayMetadata(db.pool, [
    { relay, type: "nip11_info", data, generatedAt: at },
    { relay, type: "nip11_info", data: failed, generatedAt: at + 1 },
  ]);
}

const change = (url: string, id: number) => ({
  id,
  relayId: ids.get(url) ?? -1,
  kind: "down",
  checkedAt: 100,
});

beforeAll(async () => {
  db = await createTestDatabase();
  await nip11(A, OP, 10);
  await nip11(B, undefined, 10);
  const { rows } = await db.pool.query<{ url: string; id: number }>("SELECT url, id FROM relay");
  ids = new Map(rows.map((r) => [r.url, r.id]));
  for (const id of ids.values()) {
    await db.pool.query(
      "INSERT INTO relay_change (relay_id, kind, checked_at, recorded_at, evidence) VALUES ($1, 'down', 100, 100, '{}')",
      [id],
    );
  }
});
afterAll(async () => {
  await db.drop();
});

describe("alert subscriptions", () => {
  it("knows a relay's operator from its newest fetched NIP-11 document", async () => {
    const ops = await relayOperators(db.pool, [A, B, "wss://unknown.example"]);
    expect(ops).toEqual(
      new Map([
        [A, OP],
        [B, null],
      ]),
    );
  });

  it("sends a DM only for the relays its pubkey operates, while it does", async () => {
    const now = 1000;
    const sub = { relays: [], kinds: ["down"] };
    const dm = await createSubscription(
      db.pool,
      "key:x",
      { sink: "dm", pubkey: OP, dmRelays: ["wss://inbox.example"], ...sub },
      { max: 5, now },
    );
    const hook = await createSubscription(
      db.pool,
      "key:x",
      { sink: "webhook", url: "https://h.example", secret: "s", ...sub, relays: [B] },
      { max: 5, now },
    );
    if (!("created" in dm) || !("created" in hook)) throw new Error("not made");
    const changes = [change(A, 1), change(B, 2)];
    const got = await subscriptionCandidates(db.pool, changes);
    expect(got.map((c) => [c.subscription, c.changeId])).toEqual([
      [`sub:${dm.created.id}`, 1],
      [`sub:${hook.created.id}`, 2],
    ]);
    await nip11(A, OTHER, 20); // the relay changed hands
    const after = await subscriptionCandidates(db.pool, changes);
    expect(after.map((c) => c.subscription)).toEqual([`sub:${hook.created.id}`]);
    await nip11(A, OP, 30);
  });

  it("bounds an owner's subscriptions, and an operator subscribes to a relay once", async () => {
    const sub = { sink: "webhook" as const, url: "https://h.example", secret: "s" };
    const made = await createSubscription(
      db.pool,
      "key:y",
      { ...sub, relays: [], kinds: ["up"] },
      { max: 1, now: 1 },
    );
    expect("created" in made).toBe(true);
    const full = await createSubscription(
      db.pool,
      "key:y",
      { ...sub, relays: [], kinds: ["up"] },
      { max: 1, now: 1 },
    );
    expect(full).toEqual({ full: 1 });
    const op = { pubkey: OP, relayUrl: A, dmRelays: [], kinds: ["down"] };
    const once = (max: number) =>
      transaction(db.pool, (tx) => subscribeOperator(tx, op, { max, now: 1 }));
    expect(await once(5)).toBe("subscribed");
    expect(await once(5)).toBe("already");
    const other = { ...op, relayUrl: B };
    expect(
      await transaction(db.pool, (tx) => subscribeOperator(tx, other, { max: 1, now: 1 })),
    ).toBe("full");
  });

  it("claims each gift wrap once and counts the sender's recent commands", async () => {
    const claim = (wrapId: string, now: number) =>
      transaction(db.pool, (tx) =>
        claimDmCommand(tx, { wrapId, sender: OP, now, rateSince: now - 3600 }),
      );
    const w = (n: number) => String(n).padStart(64, "0");
    const both = await Promise.all([claim(w(1), 10_000), claim(w(1), 10_000)]);
    expect(both.filter((c) => c !== null)).toEqual([{ recent: 1 }]);
    expect(await claim(w(2), 10_001)).toEqual({ recent: 2 });
    expect(await claim(w(3), 20_000)).toEqual({ recent: 1 }); // an hour later
  });
});

describe("the API's role", () => {
  it("writes alert_subscription and nothing else", async () => {
    const prefix = `t${randomBytes(4).toString("hex")}`;
    const password = randomBytes(12).toString("hex");
    const user = `${prefix}_api`;
    await createLoginRoles(db.pool, { api: password }, { users: { api: user } });
    const url = new URL(db.url);
    url.username = user;
    url.password = password;
    const api = new pg.Client({ connectionString: url.toString() });
    await api.connect();
    try {
      await api.query(
        "INSERT INTO alert_subscription (owner, sink, pubkey, kinds, created_at) VALUES ('key:z', 'dm', $1, '{down}', 1)",
        [OP],
      );
      await api.query("DELETE FROM alert_subscription WHERE owner = 'key:z'");
      await expect(api.query("DELETE FROM alert_delivery")).rejects.toThrow(/permission denied/);
      await expect(api.query("DELETE FROM alert_dm_command")).rejects.toThrow(/permission denied/);
      await expect(api.query("UPDATE relay SET network = network")).rejects.toThrow(
        /permission denied/,
      );
    } finally {
      await api.end();
      await db.pool.query(`DROP OWNED BY ${user}`);
      await db.pool.query(`DROP ROLE ${user}`);
    }
  });
});
