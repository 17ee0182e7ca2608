/**
 * Issue 25's "done when": a devnet relay killed and restarted makes exactly one `down` and one
 * `up` on each output (the SSE stream, a local webhook receiver, NIP-17 DMs read back from a
 * devnet relay and decrypted), nothing more on the webhook and the DMs
 * during the cool-down, and nothing twice with two monitor replicas running every cycle.
 */
import { getPublicKey } from "nostr-tools";
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

const SECRET = "s3cret";
const HOUR = 3600;
let db: TestDatabase;
let relay: FakeRelay;
let other: FakeRelay;
/** Where the operator reads their DMs. */
let inbox: FakeRelay;
let operator: FakeUser;
let monitorKey: Uint8Array;
let api: TestApi;
let stream: SseClient;
let hook: WebhookReceiver;

const NOW = 1_700_000_000;
let hour = 0;

/** One cycle of both replicas at once, an hour after the previous one (every relay is due). */
async function cycle(): Promise<void> {
  hour++;
  const alerts = {
    cooldown: 30 * 86_400,
    webhooks: [{ name: "ops", url: hook.url, secret_env: "HOOK_SECRET", relays: [relay.url] }],
    dms: [{ name: "op", pubkey: operator.pubkey, dm_relays: [inbox.url], relays: [relay.url] }],
  };
  await cycleBoth(
    db.pool,
    NOW + hour * HOUR,
    monitorKey,
    alerts,
    new Map([["HOOK_SECRET", SECRET]]),
  );
}

/** The DMs on the operator's relay, decrypted with the operator's key: each one's text. */
const dms = () => dmsOn(inbox, operator, getPublicKey(monitorKey));

const changes = () => streamedKinds(stream, relay.url);

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 12 });
  relay = await startFakeRelay({});
  other = await startFakeRelay({});
  inbox = await startFakeRelay({ acceptWrites: true });
  operator = await makeUser("operator");
  monitorKey = (await makeUser("monitor")).secretKey;
  hook = await startWebhookReceiver(() => SECRET);
  await insertRelays(db.pool, [
    { url: relay.url, network: "clearnet", discoveredAt: 1 },
    { url: other.url, network: "clearnet", discoveredAt: 1 },
  ]);
  api = await startTestApi(db.pool, { stream: { poll_ms: 50 } });
  stream = await openSse(new URL("v1/stream?kind=down,up", api.url).toString());
}, 60_000);

afterAll(async () => {
  await closeAll(stream, api, relay, other, inbox, hook);
  await db?.drop();
});

describe("a relay killed and restarted", () => {
  it("is one down and one up on the stream and the webhook, with two replicas", async () => {
    await cycle(); // first sight: nothing to compare with
    await relay.stop();
    await cycle(); // one failure: not down yet
    await cycle(); // two in a row: down
    await stream.until(() => changes().length === 1);
    await relay.restart();
    await cycle();
    await cycle(); // up again, and still up: one `up`
    await stream.until(() => changes().length === 2);
    expect(changes()).toEqual(["down", "up"]);
    expect(hook.received).toEqual([
      { kind: "down", relay: relay.url, valid: true },
      { kind: "up", relay: relay.url, valid: true },
    ]);
    // Gift wraps carry random times (NIP-59): compare in text order.
    expect(dms().sort()).toEqual([
      expect.stringMatching(/ is down \(2 failed checks: .*\[down\]$/),
      expect.stringMatching(/ is up again .*\[up\]$/),
    ]);
    expect(dms().every((text) => text.startsWith(relay.url))).toBe(true);
    const { rows } = await db.pool.query(
      "SELECT kind, count(*)::int AS n FROM relay_change GROUP BY kind ORDER BY kind",
    );
    expect(rows).toEqual([
      { kind: "down", n: 1 },
      { kind: "up", n: 1 },
    ]);
  });

  it("is stored and streamed again, but not sent again within the cool-down", async () => {
    await relay.stop();
    await cycle();
    await cycle();
    await relay.restart();
    await cycle();
    await stream.until(() => changes().length === 4);
    expect(changes()).toEqual(["down", "up", "down", "up"]);
    const { rows } = await db.pool.query(
      "SELECT count(*)::int AS n FROM alert_delivery WHERE status = 'sent'",
    );
    expect(rows[0].n).toBe(4);
    expect(hook.received).toHaveLength(2);
    expect(dms()).toHaveLength(2);
  });
});
