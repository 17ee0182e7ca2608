/**
 * Issue 25's "done when" for the subscriptions made at run time: a relay's operator (its NIP-11
 * `pubkey`) subscribes by NIP-17 DM to the monitor, someone else is refused, a webhook is made
 * through POST /v1/alerts with an API key; then a devnet relay killed and restarted makes
 * exactly one `down` and one `up` on the SSE stream, on the API-made webhook and in the
 * operator's DMs (read back and decrypted), none to the refused pubkey, none more during the
 * cool-down, and nothing twice with two monitor replicas running every cycle.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getPublicKey } from "nostr-tools";
import { unwrapEvent, wrapEvent } from "nostr-tools/nip17";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/core/config/load.js";
import { brotrConfigSchema } from "../../../src/core/config/schemas.js";
import { insertRelays } from "../../../src/core/db/relays.js";
import { runOnce } from "../../../src/core/service.js";
import { type FakeRelay, startFakeRelay } from "../../../src/devnet/fake-relay.js";
import { monitorConfigSchema } from "../../../src/services/monitor/config.js";
import { createMonitor } from "../../../src/services/monitor/service.js";
import { webhookSignature } from "../../../src/services/monitor/webhook-sink.js";
import { startTestApi, type TestApi } from "../../support/api.js";
import { type FakeUser, makeUser } from "../../support/fake-user.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { createTestContext } from "../../support/service-context.js";
import { openSse, type SseClient } from "../../support/sse.js";

const HOUR = 3600;
const NOW = 1_700_000_000;
let db: TestDatabase;
let relay: FakeRelay;
/** The monitor's DM inbox: where commands arrive and replies and alerts go. */
let inbox: FakeRelay;
let operator: FakeUser;
let intruder: FakeUser;
let monitorKey: Uint8Array;
let monitorPubkey: string;
let api: TestApi;
let stream: SseClient;
let hook: Server;
let hookUrl: string;
let secret = "";
const received: { kind: string; valid: boolean }[] = [];
let hour = 0;

function startHook(): Promise<void> {
  hook = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const t = Number(req.headers["x-bigbrotr-timestamp"]);
      const valid = req.headers["x-bigbrotr-signature"] === webhookSignature(secret, t, body);
      received.push({ kind: JSON.parse(body).change.kind, valid });
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve) =>
    hook.listen(0, "127.0.0.1", () => {
      hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
      resolve();
    }),
  );
}

function replica(name: string) {
  const brotr = parseConfig(
    brotrConfigSchema,
    { allow_private: true, networks: { clearnet: { timeout: 2, max_tasks: 5 } } },
    "test",
  );
  const fast = { retries: 0, initial_delay: 0, max_delay: 0, jitter: 0 };
  const only = (on: boolean) => ({ enabled: on, retry: fast });
  const checks = { nip11: only(true), rtt: only(true), ssl: only(false), dns: only(false) };
  const config = parseConfig(
    monitorConfigSchema,
    {
      processing: { checks: { ...checks, geo: only(false), net: only(false), http: only(false) } },
      changes: { down_after: 2 },
      alerts: {
        cooldown: 30 * 86_400,
        operators: { inbox_relays: [inbox.url], kinds: ["down", "up"] },
      },
    },
    "test",
  );
  return createMonitor({ brotr, instanceId: name, secretKey: monitorKey }, config, {
    geo: null,
    asn: null,
  });
}

/** One cycle of both replicas at once, an hour after the previous one (every relay is due). */
async function cycle(): Promise<void> {
  hour++;
  await Promise.all(
    [replica("one"), replica("two")].map(async (m) => {
      const t = createTestContext(db.pool, { service: "monitor", now: NOW + hour * HOUR });
      const outcome = await runOnce(m, t.ctx);
      expect(outcome.ok, JSON.stringify(t.logs.filter((l) => Number(l.level) >= 40))).toBe(true);
    }),
  );
}

/** `user`'s DMs from the monitor on the inbox relay, decrypted with `user`'s key. */
const dmsTo = (user: FakeUser) =>
  inbox.events
    .filter((e) => e.kind === 1059 && e.tags.some((t) => t[0] === "p" && t[1] === user.pubkey))
    .map((e) => unwrapEvent(e, user.secretKey))
    .filter((rumor) => rumor.pubkey === monitorPubkey)
    .map((rumor) => rumor.content);
const alertsTo = (user: FakeUser) => dmsTo(user).filter((t) => /\[(down|up)\]$/.test(t));
const repliesTo = (user: FakeUser) => dmsTo(user).filter((t) => !/\[(down|up)\]$/.test(t));

/** `user` DMs the monitor `text` (NIP-17, on the monitor's inbox relay). */
const command = (user: FakeUser, text: string) =>
  inbox.addEvents([wrapEvent(user.secretKey, { publicKey: monitorPubkey }, text)]);

const changes = () =>
  stream.events
    .filter((e) => e.event === "change")
    .map((e) => JSON.parse(e.data))
    .filter((c) => c.relay === relay.url)
    .map((c) => c.kind);

const post = (key: string, body: unknown) =>
  api.get("/v1/alerts", {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 12 });
  operator = await makeUser("operator");
  intruder = await makeUser("intruder");
  const monitor = await makeUser("monitor");
  monitorKey = monitor.secretKey;
  monitorPubkey = getPublicKey(monitorKey);
  relay = await startFakeRelay({ nip11: { name: "operated", pubkey: operator.pubkey } });
  inbox = await startFakeRelay({ acceptWrites: true });
  await startHook();
  await insertRelays(db.pool, [{ url: relay.url, network: "clearnet", discoveredAt: 1 }]);
  api = await startTestApi(
    db.pool,
    { stream: { poll_ms: 50 }, alerts: { allow_private_webhooks: true } },
    { apiKeys: ["alpha", "beta"] },
  );
  stream = await openSse(new URL("v1/stream?kind=down,up", api.url).toString());
}, 60_000);

afterAll(async () => {
  stream?.close();
  await api?.close();
  await relay?.close();
  await inbox?.close();
  hook?.close();
  await db?.drop();
});

describe("subscriptions made at run time", () => {
  it("an operator subscribes by DM, anyone else is refused, each command answered once", async () => {
    await cycle(); // the relay's NIP-11 document (and its pubkey) is stored
    command(operator, `subscribe ${relay.url}`);
    command(operator, `subscribe ${relay.url}`);
    command(intruder, `subscribe ${relay.url}`);
    await cycle();
    expect(repliesTo(operator).sort()).toEqual([
      `Subscribed: alerts of ${relay.url} (down, up).`,
      `You were already subscribed: alerts of ${relay.url} (down, up).`,
    ]);
    expect(repliesTo(intruder)).toEqual([
      `Refused: you are not the operator of ${relay.url} (its NIP-11 pubkey is ${operator.pubkey}).`,
    ]);
    const { rows } = await db.pool.query(
      "SELECT outcome, count(*)::int AS n FROM alert_dm_command GROUP BY 1 ORDER BY 1",
    );
    expect(rows).toEqual([
      { outcome: "already", n: 1 },
      { outcome: "not_operator", n: 1 },
      { outcome: "subscribed", n: 1 },
    ]);
  });

  it("an API key makes a webhook it alone sees; a DM to a non-operator is refused", async () => {
    const made = await post("alpha", { type: "webhook", url: hookUrl, relays: [relay.url] });
    expect(made.status).toBe(201);
    secret = made.body.secret;
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    const listed = await api.get("/v1/alerts", { headers: { "x-api-key": "alpha" } });
    expect(listed.body.alerts).toEqual([expect.objectContaining({ id: made.body.alert.id })]);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    const other = await api.get("/v1/alerts", { headers: { "x-api-key": "beta" } });
    expect(other.body.alerts).toEqual([]);
    const id = made.body.alert.id;
    const del = await api.get(`/v1/alerts/${id}`, {
      method: "DELETE",
      headers: { "x-api-key": "beta" },
    });
    expect(del.status).toBe(404);
    const dm = { type: "dm", pubkey: intruder.pubkey, dm_relays: [inbox.url], relays: [relay.url] };
    const refused = await post("beta", dm);
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain("is not the operator of");
  });

  it("a relay killed and restarted is one down and one up on every output", async () => {
    await relay.stop();
    await cycle(); // one failure: not down yet
    await cycle(); // two in a row: down
    await stream.until(() => changes().length === 1);
    await relay.restart();
    await cycle();
    await cycle();
    await stream.until(() => changes().length === 2);
    expect(changes()).toEqual(["down", "up"]);
    expect(received).toEqual([
      { kind: "down", valid: true },
      { kind: "up", valid: true },
    ]);
    expect(alertsTo(operator).sort()).toEqual([
      expect.stringMatching(/ is down \(2 failed checks: .*\[down\]$/),
      expect.stringMatching(/ is up again .*\[up\]$/),
    ]);
    expect(alertsTo(intruder)).toEqual([]);
  });

  it("is not sent again within the cool-down, and an operator can unsubscribe", async () => {
    await relay.stop();
    await cycle();
    await cycle();
    await relay.restart();
    await cycle();
    await stream.until(() => changes().length === 4);
    expect(received).toHaveLength(2);
    expect(alertsTo(operator)).toHaveLength(2);
    command(operator, `unsubscribe ${relay.url}`);
    await cycle();
    expect(repliesTo(operator)).toContain(`Unsubscribed: no more alerts of ${relay.url}.`);
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM alert_subscription");
    expect(rows[0].n).toBe(1); // the webhook
  });
});
