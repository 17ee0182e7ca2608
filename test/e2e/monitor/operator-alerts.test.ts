/**
 * Issue 25's "done when" for the subscriptions made at run time: a relay's operator (its NIP-11
 * `pubkey`) subscribes by NIP-17 DM to the monitor, someone else is refused (and rate limited),
 * a webhook is made through POST /v1/alerts with an API key; then a devnet relay killed and restarted makes
 * exactly one `down` and one `up` on the SSE stream, on the API-made webhook and in the
 * operator's DMs (read back and decrypted), none to the refused pubkey, none more during the
 * cool-down, and nothing twice with two monitor replicas running every cycle.
 */
import { getPublicKey } from "nostr-tools";
import { wrapEvent } from "nostr-tools/nip17";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertRelays } from "../../../src/core/db/relays.js";
import { type FakeRelay, startFakeRelay } from "../../../src/devnet/fake-relay.js";
import { startTestApi, type TestApi } from "../../support/api.js";
import { type FakeUser, makeUser } from "../../support/fake-user.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { openSse, type SseClient } from "../../support/sse.js";
import {
  closeAll,
  cycleBoth,
  dmsOn,
  startWebhookReceiver,
  streamedKinds,
  type WebhookReceiver,
} from "./alert-outputs.js";

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
let hook: WebhookReceiver;
let secret = "";
let hour = 0;

/** One cycle of both replicas at once, an hour after the previous one (every relay is due). */
async function cycle(): Promise<void> {
  hour++;
  const alerts = {
    cooldown: 30 * 86_400,
    operators: { inbox_relays: [inbox.url], kinds: ["down", "up"], rate_limit: 2 },
  };
  await cycleBoth(db.pool, NOW + hour * HOUR, monitorKey, alerts);
}

/** `user`'s DMs from the monitor on the inbox relay, decrypted with `user`'s key. */
const dmsTo = (user: FakeUser) => dmsOn(inbox, user, monitorPubkey);
const alertsTo = (user: FakeUser) => dmsTo(user).filter((t) => /\[(down|up)\]$/.test(t));
const repliesTo = (user: FakeUser) => dmsTo(user).filter((t) => !/\[(down|up)\]$/.test(t));

/** `user` DMs the monitor `text` (NIP-17, on the monitor's inbox relay). */
const command = (user: FakeUser, text: string) =>
  inbox.addEvents([wrapEvent(user.secretKey, { publicKey: monitorPubkey }, text)]);

const changes = () => streamedKinds(stream, relay.url);

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
  hook = await startWebhookReceiver(() => secret);
  await insertRelays(db.pool, [{ url: relay.url, network: "clearnet", discoveredAt: 1 }]);
  api = await startTestApi(
    db.pool,
    { stream: { poll_ms: 50 }, alerts: { allow_private_webhooks: true } },
    { apiKeys: ["alpha", "beta"] },
  );
  stream = await openSse(new URL("v1/stream?kind=down,up", api.url).toString());
}, 60_000);

afterAll(async () => {
  await closeAll(stream, api, relay, inbox, hook);
  await db?.drop();
});

describe("subscriptions made at run time", () => {
  it("an operator subscribes by DM, anyone else is refused, each command answered once", async () => {
    await cycle(); // the relay's NIP-11 document (and its pubkey) is stored
    command(operator, `subscribe ${relay.url}`);
    command(operator, `subscribe ${relay.url}`);
    for (let i = 0; i < 3; i++) command(intruder, `subscribe ${relay.url}`); // 2 an hour
    await cycle();
    expect(repliesTo(operator).sort()).toEqual([
      `Subscribed: alerts of ${relay.url} (down, up).`,
      `You were already subscribed: alerts of ${relay.url} (down, up).`,
    ]);
    const refusal = `Refused: you are not the operator of ${relay.url} (its NIP-11 pubkey is ${operator.pubkey}).`;
    expect(repliesTo(intruder)).toEqual([refusal, refusal]);
    const { rows } = await db.pool.query(
      "SELECT outcome, count(*)::int AS n FROM alert_dm_command GROUP BY 1 ORDER BY 1",
    );
    expect(rows).toEqual([
      { outcome: "already", n: 1 },
      { outcome: "not_operator", n: 2 },
      { outcome: "rate_limited", n: 1 },
      { outcome: "subscribed", n: 1 },
    ]);
  });

  it("an API key makes a webhook it alone sees; a DM to a non-operator is refused", async () => {
    const made = await post("alpha", { type: "webhook", url: hook.url, relays: [relay.url] });
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
    expect(hook.received).toEqual([
      { kind: "down", relay: relay.url, valid: true },
      { kind: "up", relay: relay.url, valid: true },
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
    expect(hook.received).toHaveLength(2);
    expect(alertsTo(operator)).toHaveLength(2);
    command(operator, `unsubscribe ${relay.url}`);
    await cycle();
    expect(repliesTo(operator)).toContain(`Unsubscribed: no more alerts of ${relay.url}.`);
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM alert_subscription");
    expect(rows[0].n).toBe(1); // the webhook
  });
});
