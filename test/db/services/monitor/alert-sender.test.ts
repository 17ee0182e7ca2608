import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countDeliveries, queueAlerts } from "../../../../src/core/db/alert-deliveries.js";
import { createSubscription } from "../../../../src/core/db/alert-subscriptions.js";
import { insertChanges } from "../../../../src/core/db/relay-changes.js";
import { insertRelays } from "../../../../src/core/db/relays.js";
import { AlertSender } from "../../../../src/services/monitor/alert-sender.js";
import { monitorConfigSchema } from "../../../../src/services/monitor/config.js";
import { createTestDatabase, type TestDatabase } from "../../../support/pg.js";
import { createTestContext } from "../../../support/service-context.js";

const A = "wss://alpha.nostr1.com";

describe("alert webhook deliveries", () => {
  let db: TestDatabase;
  let hook: Server;
  let url: string;
  /** Statuses the receiver answers, in turn (then 204). */
  const answers: number[] = [];
  let calls = 0;
  beforeAll(async () => {
    db = await createTestDatabase();
    await insertRelays(db.pool, [{ url: A, network: "clearnet", discoveredAt: 1 }]);
    hook = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        calls++;
        res.writeHead(answers.shift() ?? 204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    hook.close();
    await db.drop();
  });

  const alerts = (name: string, max_attempts: number) =>
    monitorConfigSchema.parse({
      alerts: {
        max_attempts,
        initial_delay: 10,
        max_delay: 15,
        webhooks: [{ name, url, secret_env: "S" }],
      },
    }).alerts;
  async function queue(name: string, checkedAt: number) {
    const [c] = await insertChanges(
      db.pool,
      [{ relayUrl: A, kind: "down", checkedAt, evidence: {} }],
      1,
    );
    if (c === undefined) throw new Error("not stored");
    await queueAlerts(
      db.pool,
      [{ subscription: `webhook:${name}`, changeId: c.id, ...c }],
      0,
      1000,
    );
  }
  const status = async (name: string) =>
    (
      await db.pool.query(
        "SELECT status, attempts, next_attempt::int AS next, last_error FROM alert_delivery WHERE subscription = $1",
        [`webhook:${name}`],
      )
    ).rows[0];
  async function pass(name: string, maxAttempts: number, now: number) {
    const t = createTestContext(db.pool, { now });
    const sender = new AlertSender(t.ctx, alerts(name, maxAttempts), new Map([["S", "x"]]));
    sender.kick();
    await sender.drain();
  }

  it("retries a failed delivery with growing delays, then sends it", async () => {
    await queue("retry", 100);
    answers.push(500, 503);
    await pass("retry", 5, 1000);
    expect(await status("retry")).toMatchObject({ status: "pending", attempts: 1, next: 1010 });
    await pass("retry", 5, 1005); // not due yet
    expect(await status("retry")).toMatchObject({ attempts: 1 });
    await pass("retry", 5, 1010);
    expect(await status("retry")).toMatchObject({
      attempts: 2,
      next: 1025,
      last_error: "HTTP 503",
    });
    await pass("retry", 5, 1025);
    expect(await status("retry")).toMatchObject({ status: "sent", attempts: 3 });
  });

  it("counts a delivery dead after its last attempt and stops calling", async () => {
    await queue("dead", 200);
    answers.push(500, 500, 500);
    await pass("dead", 2, 2000);
    await pass("dead", 2, 2010);
    expect(await status("dead")).toMatchObject({ status: "dead", attempts: 2 });
    const before = calls;
    await pass("dead", 2, 9000);
    expect(calls).toBe(before);
    expect((await countDeliveries(db.pool)).dead).toBe(1);
    answers.length = 0;
  });

  it("posts a stored (API-made) webhook to a private host only when allowed", async () => {
    const made = await createSubscription(
      db.pool,
      "key:t",
      { sink: "webhook", url, secret: "x", relays: [], kinds: ["down"] },
      { max: 5, now: 1 },
    );
    if (!("created" in made)) throw new Error("not made");
    const name = `sub:${made.created.id}`;
    const [c] = await insertChanges(
      db.pool,
      [{ relayUrl: A, kind: "down", checkedAt: 300, evidence: {} }],
      1,
    );
    if (c === undefined) throw new Error("not stored");
    await queueAlerts(db.pool, [{ subscription: name, changeId: c.id, ...c }], 0, 1000);
    const row = async () =>
      (
        await db.pool.query(
          "SELECT status, last_error FROM alert_delivery WHERE subscription = $1",
          [name],
        )
      ).rows[0];
    const before = calls;
    const sendAt = async (now: number, allowPrivate: boolean) => {
      const t = createTestContext(db.pool, { now });
      const sender = new AlertSender(t.ctx, alerts("none", 5), new Map(), undefined, {
        allowPrivate,
      });
      sender.kick();
      await sender.drain();
    };
    await sendAt(3000, false);
    expect(await row()).toEqual({
      status: "pending",
      last_error: "127.0.0.1 is a private address",
    });
    expect(calls).toBe(before);
    await sendAt(4000, true);
    expect(await row()).toEqual({ status: "sent", last_error: null });
    expect(calls).toBe(before + 1);
  });
});
