/**
 * The monitor's stored rows over a seeded TLS devnet (bench:monitor's relay kinds: healthy,
 * silent, refusing with a destroyed socket or an HTTP 503, plus a relay without NIP-11 and
 * one with an invalid certificate), compared with a fixture written by the monitor before
 * its speed work (test/fixtures/monitor-stored-rows.json). What changes from run to run is
 * normalised: ports, round-trip times, the certificates' fingerprints, serials and dates.
 * Regenerate the fixture only on purpose: UPDATE_MONITOR_FIXTURE=1.
 */
import { readFile, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { insertRelays } from "../../../src/core/db/relays.js";
import { runOnce } from "../../../src/core/service.js";
import { createFakeDns, type FakeDnsRecord } from "../../../src/devnet/fake-dns.js";
import { type FakeRelay, startFakeRelay } from "../../../src/devnet/fake-relay.js";
import type { FakeRelayOptions } from "../../../src/devnet/fake-relay-types.js";
import { createTestCertificate } from "../../../src/devnet/tls-cert.js";
import { makeUser } from "../../support/fake-user.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { createTestContext } from "../../support/service-context.js";
import { history, monitor } from "./helpers.js";

const FIXTURE = new URL("../../fixtures/monitor-stored-rows.json", import.meta.url);
const DOMAIN = "rows.test";
const KINDS: Record<string, FakeRelayOptions> = {
  healthy: { acceptWrites: true, httpHeaders: { Server: "strfry", "X-Powered-By": "x/1" } },
  healthy2: { acceptWrites: true, httpHeaders: { Server: "khatru" } },
  silent: { silent: true },
  "refuse-destroy": { refuse: true, refuseMode: "destroy" },
  "refuse-503": { refuse: true, refuseMode: "http-503" },
  "no-nip11": { acceptWrites: true, nip11: null },
  "wrong-name": { acceptWrites: true },
};

const relays: FakeRelay[] = [];
const roleOf = new Map<string, string>();
let db: TestDatabase;
let service: ReturnType<typeof monitor>;

beforeAll(async () => {
  db = await createTestDatabase();
  const names = { commonName: "rows CA", organization: "bigbrotr tests" };
  const ca = { ...createTestCertificate({ ...names, altNames: [], isCa: true }), ...names };
  const zone: Record<string, FakeDnsRecord> = { [DOMAIN]: { ns: [`ns1.${DOMAIN}`] } };
  for (const [role, options] of Object.entries(KINDS)) {
    const name = `${role}.${DOMAIN}`;
    const certName = role === "wrong-name" ? `other.${DOMAIN}` : name;
    const tls = createTestCertificate({ commonName: certName, altNames: [certName], issuer: ca });
    const relay = await startFakeRelay({ host: "127.0.0.1", tls, ...options });
    relays.push(relay);
    zone[name] = { a: ["127.0.0.1"], ttl: 300 };
    roleOf.set(`wss://${name}:${relay.port}`, role);
  }
  await insertRelays(
    db.pool,
    [...roleOf.keys()].map((url) => ({ url, network: "clearnet" as const, discoveredAt: 1 })),
  );
  const dns = createFakeDns({ zone });
  const { secretKey } = await makeUser("rows");
  const options = { resolver: dns, records: dns, ca: ca.cert };
  service = monitor({ allow_insecure: true }, options, secretKey);
}, 60_000);

afterAll(async () => {
  await service?.close?.();
  await Promise.all(relays.map((r) => r.close()));
  await db?.drop();
});

const CHANGING = new Set(["ssl_fingerprint", "ssl_serial", "ssl_not_before", "ssl_expires"]);
const TIMES = /^rtt_(open|read|write)$/;

/** A stored document with what differs between runs replaced by its kind. */
function normalise(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) return value.map((v) => normalise(v));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v, k)] as const));
  }
  if (TIMES.test(key) && typeof value === "number") return "<ms>";
  if (CHANGING.has(key)) return `<${typeof value}>`;
  if (typeof value === "string") return value.replace(/:\d{4,5}\b/g, ":<port>");
  return value;
}

it("stores the same rows as the monitor did before its speed work", async () => {
  const t = createTestContext(db.pool, { now: 1_700_400_000 });
  const outcome = await runOnce(service, t.ctx);
  expect(outcome.ok).toBe(true);
  const rows = (await history(db.pool)).map((r) => ({
    relay: roleOf.get(r.url) ?? r.url,
    type: r.type,
    doc: normalise(r.doc),
  }));
  rows.sort((a, b) => `${a.relay} ${a.type}`.localeCompare(`${b.relay} ${b.type}`));
  if (process.env.UPDATE_MONITOR_FIXTURE === "1") {
    await writeFile(FIXTURE, `${JSON.stringify(rows, null, 2)}\n`);
  }
  const expected = JSON.parse(await readFile(FIXTURE, "utf8"));
  expect(rows).toEqual(expected);
}, 120_000);
