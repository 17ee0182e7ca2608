/**
 * What the alert e2e tests share: a local webhook receiver that checks each signature, a pair
 * of monitor replicas with fast checks and the given `alerts:`, one cycle of both at once, and
 * the DMs a user received from the monitor on a relay, decrypted.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { unwrapEvent } from "nostr-tools/nip17";
import type pg from "pg";
import { expect } from "vitest";
import { parseConfig } from "../../../src/core/config/load.js";
import { brotrConfigSchema } from "../../../src/core/config/schemas.js";
import { runOnce } from "../../../src/core/service.js";
import type { FakeRelay } from "../../../src/devnet/fake-relay.js";
import { monitorConfigSchema } from "../../../src/services/monitor/config.js";
import { createMonitor } from "../../../src/services/monitor/service.js";
import { webhookSignature } from "../../../src/services/monitor/webhook-sink.js";
import type { FakeUser } from "../../support/fake-user.js";
import { createTestContext } from "../../support/service-context.js";
import type { SseClient } from "../../support/sse.js";

export interface WebhookReceiver {
  url: string;
  /** Each POST: its change's kind and relay, and whether its signature verified. */
  received: { kind: string; relay: string; valid: boolean }[];
  close(): void;
}

/** A receiver on 127.0.0.1 verifying signatures with `secret()` (read at each POST). */
export function startWebhookReceiver(secret: () => string): Promise<WebhookReceiver> {
  const received: WebhookReceiver["received"] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const t = Number(req.headers["x-bigbrotr-timestamp"]);
      const valid = req.headers["x-bigbrotr-signature"] === webhookSignature(secret(), t, body);
      const { change } = JSON.parse(body);
      received.push({ kind: change.kind, relay: change.relay, valid });
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      resolve({ url, received, close: () => server.close() });
    }),
  );
}

/** A monitor replica: nip11 and rtt only, no retries, down after 2 failures, `alerts`. */
function replica(name: string, key: Uint8Array, alerts: object, secrets: Map<string, string>) {
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
      alerts,
    },
    "test",
  );
  return createMonitor({ brotr, instanceId: name, secretKey: key }, config, {
    geo: null,
    asn: null,
    alertSecrets: secrets,
  });
}

/** One cycle of two replicas at once at `now`, each succeeding. */
export async function cycleBoth(
  pool: pg.Pool,
  now: number,
  key: Uint8Array,
  alerts: object,
  secrets = new Map<string, string>(),
): Promise<void> {
  await Promise.all(
    ["one", "two"].map(async (name) => {
      const t = createTestContext(pool, { service: "monitor", now });
      const outcome = await runOnce(replica(name, key, alerts, secrets), t.ctx);
      expect(outcome.ok, JSON.stringify(t.logs.filter((l) => Number(l.level) >= 40))).toBe(true);
    }),
  );
}

/** The texts of `user`'s DMs from `monitorPubkey` on `relay`, decrypted with `user`'s key. */
export const dmsOn = (relay: FakeRelay, user: FakeUser, monitorPubkey: string) =>
  relay.events
    .filter((e) => e.kind === 1059 && e.tags.some((t) => t[0] === "p" && t[1] === user.pubkey))
    .map((e) => unwrapEvent(e, user.secretKey))
    .filter((rumor) => rumor.pubkey === monitorPubkey)
    .map((rumor) => rumor.content);

/** The kinds of the changes of `relayUrl` streamed so far, in order. */
export const streamedKinds = (stream: SseClient, relayUrl: string): string[] =>
  stream.events
    .filter((e) => e.event === "change")
    .map((e) => JSON.parse(e.data))
    .filter((c) => c.relay === relayUrl)
    .map((c) => c.kind);

/** Closes each of `things` that was started, in order. */
export async function closeAll(...things: ({ close(): unknown } | undefined)[]): Promise<void> {
  for (const t of things) await t?.close();
}
