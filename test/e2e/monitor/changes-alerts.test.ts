/**
 * Issue 25's "done when": a devnet relay killed and restarted makes exactly one `down` and one
 * `up` on each output (the SSE stream, a local webhook receiver, NIP-17 DMs read back from a
 * devnet relay and decrypted), nothing more on the webhook and the DMs
 * during the cool-down, and nothing twice with two monitor replicas running every cycle.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getPublicKey } from "nostr-tools";
import { unwrapEvent } from "nostr-tools/nip17";
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
let hook: Server;
let hookUrl: string;
const received: { kind: string; relay: string; valid: boolean }[] = [];

function startHook(): Promise<void> {
  hook = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const t = Number(req.headers["x-bigbrotr-timestamp"]);
      const valid = req.headers["x-bigbrotr-signature"] === webhookSignature(SECRET, t, body);
      const { change } = JSON.parse(body);
      received.push({ kind: change.kind, relay: change.relay, valid });
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
        webhooks: [{ name: "ops", url: hookUrl, secret_env: "HOOK_SECRET", relays: [relay.url] }],
        dms: [{ name: "op", pubkey: operator.pubkey, dm_relays: [inbox.url], relays: [relay.url] }],
      },
    },
    "test",
  );
  const secrets = new Map([["HOOK_SECRET", SECRET]]);
  return createMonitor({ brotr, instanceId: name, secretKey: monitorKey }, config, {
    geo: null,
    asn: null,
    alertSecrets: secrets,
  });
}

const NOW = 1_700_000_000;
let hour = 0;
const replicas = () => [replica("one"), replica("two")];

/** One cycle of both replicas at once, an hour after the previous one (every relay is due). */
async function cycle(): Promise<void> {
  hour++;
  await Promise.all(
    replicas().map(async (m) => {
      const t = createTestContext(db.pool, { service: "monitor", now: NOW + hour * HOUR });
      const outcome = await runOnce(m, t.ctx);
      expect(outcome.ok, JSON.stringify(t.logs.filter((l) => Number(l.level) >= 40))).toBe(true);
    }),
  );
}

/** The DMs on the operator's relay, decrypted with the operator's key: each one's text. */
const dms = () =>
  inbox.events
    .filter((e) => e.kind === 1059 && e.tags.some((t) => t[0] === "p" && t[1] === operator.pubkey))
    .map((e) => unwrapEvent(e, operator.secretKey))
    .filter((rumor) => rumor.pubkey === getPublicKey(monitorKey))
    .map((rumor) => rumor.content);

const changes = () =>
  stream.events
    .filter((e) => e.event === "change")
    .map((e) => JSON.parse(e.data))
    .filter((c) => c.relay === relay.url)
    .map((c) => c.kind);

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 12 });
  relay = await startFakeRelay({});
  other = await startFakeRelay({});
  inbox = await startFakeRelay({ acceptWrites: true });
  operator = await makeUser("operator");
  monitorKey = (await makeUser("monitor")).secretKey;
  await startHook();
  await insertRelays(db.pool, [
    { url: relay.url, network: "clearnet", discoveredAt: 1 },
    { url: other.url, network: "clearnet", discoveredAt: 1 },
  ]);
  api = await startTestApi(db.pool, { stream: { poll_ms: 50 } });
  stream = await openSse(new URL("v1/stream?kind=down,up", api.url).toString());
}, 60_000);

afterAll(async () => {
  stream?.close();
  await api?.close();
  await relay?.close();
  await other?.close();
  await inbox?.close();
  hook?.close();
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
    expect(received).toEqual([
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
    expect(received).toHaveLength(2);
    expect(dms()).toHaveLength(2);
  });
});
