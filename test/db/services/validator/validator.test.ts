import { getEventListeners } from "node:events";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../../src/core/config/load.js";
import { insertCandidates } from "../../../../src/core/db/service-state/candidates.js";
import type { Network } from "../../../../src/models/index.js";
import { validatorConfigSchema } from "../../../../src/services/validator/config.js";
import { createValidator } from "../../../../src/services/validator/service.js";
import { readCandidates } from "../../../support/candidates.js";
import { startFakeRelay } from "../../../support/fake-relay.js";
import { createTestDatabase, type TestDatabase } from "../../../support/pg.js";
import {
  closedPort,
  loopbackResolver,
  metricValue,
  startOnionRelay,
  startScriptedServer,
  startTlsFront,
  testBrotrConfig,
  testContext,
} from "./devnet.js";

const NOW = 1_700_000_000;
const FIRST_SEEN = NOW - 5000;

let db: TestDatabase;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  await db.pool.query("DELETE FROM service_state; DELETE FROM relay");
});

/** A fake relay behind a TLS front, reachable as wss://<name>:<port>. */
async function clearnetRelay(name: string, options: Parameters<typeof startFakeRelay>[0] = {}) {
  const relay = await startFakeRelay(options);
  const front = await startTlsFront(relay.port);
  closers.push(
    () => front.close(),
    () => relay.close(),
  );
  return { relay, front, url: `wss://${name}:${front.port}` };
}

async function seedCandidates(urls: { url: string; network?: Network }[]) {
  await insertCandidates(
    db.pool,
    urls.map(({ url, network }) => ({ url, network: network ?? "clearnet", source: "test" })),
    FIRST_SEEN,
  );
}

function validator(
  hosts: string[],
  processing: Record<string, unknown> = {},
  brotr: Record<string, unknown> = {},
) {
  const config = parseConfig(
    validatorConfigSchema,
    { processing: { allow_insecure: true, ...processing } },
    "validator.yaml",
  );
  const deps = {
    brotr: testBrotrConfig({ networks: { clearnet: { timeout: 1 } }, ...brotr }),
  };
  const resolver = loopbackResolver(hosts);
  return { service: createValidator(deps, config, { resolver }), resolver };
}

async function relayRows() {
  const { rows } = await db.pool.query<{ url: string; network: string; discovered_at: number }>(
    "SELECT url, network, discovered_at FROM relay ORDER BY url",
  );
  return rows;
}

describe("validator cycle", () => {
  it("promotes relays that answer EOSE, CLOSED or AUTH, keeping first_seen as discovered_at", async () => {
    const healthy = await clearnetRelay("healthy.relay-devnet.net");
    const closed = await clearnetRelay("closed.relay-devnet.net", { closedPrefix: "restricted" });
    const auth = await clearnetRelay("auth.relay-devnet.net", { requireAuth: true });
    const authOnly = await startScriptedServer((ws) => ws.send(JSON.stringify(["AUTH", "c1"])));
    const authOnlyFront = await startTlsFront(authOnly.port);
    closers.push(
      () => authOnlyFront.close(),
      () => authOnly.close(),
    );
    const authOnlyUrl = `wss://authonly.relay-devnet.net:${authOnlyFront.port}`;
    const urls = [healthy.url, closed.url, auth.url, authOnlyUrl];
    await seedCandidates(urls.map((url) => ({ url })));
    const { service } = validator(urls.map((u) => new URL(u).hostname));
    const { ctx, registry } = testContext(db.pool, NOW);

    const report = await service.runCycle(ctx);

    expect(report).toMatchObject({ due: 4, probed: 4, promoted: 4, failed: 0 });
    expect(await relayRows()).toEqual(
      [...urls].sort().map((url) => ({ url, network: "clearnet", discovered_at: FIRST_SEEN })),
    );
    expect(await readCandidates(db.pool, urls)).toEqual([]);
    expect(
      await metricValue(registry, "brotr_validator_probes_total", {
        network: "clearnet",
        outcome: "valid",
      }),
    ).toBe(4);
  });

  // Node warns past 10 'abort' listeners on one signal; the cycle's signal goes to every probe.
  it("probes 30 candidates at once with one listener on the cycle signal and no MaxListeners warning", async () => {
    const silent = await clearnetRelay("silent.relay-devnet.net", { silent: true });
    const hosts = Array.from({ length: 30 }, (_, i) => `r${i}.relay-devnet.net`);
    const urls = hosts.map((host) => `wss://${host}:${silent.front.port}`);
    await seedCandidates(urls.map((url) => ({ url })));
    const { service } = validator(
      hosts,
      {},
      { networks: { clearnet: { timeout: 1, max_tasks: 30 } } },
    );
    const { ctx } = testContext(db.pool, NOW);
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    let peak = 0;
    const sample = setInterval(() => {
      peak = Math.max(peak, getEventListeners(ctx.signal, "abort").length);
    }, 20);
    try {
      expect(await service.runCycle(ctx)).toMatchObject({ probed: 30, failed: 30 });
      await new Promise((resolve) => setTimeout(resolve, 50)); // warnings come on a later tick
    } finally {
      clearInterval(sample);
      process.off("warning", onWarning);
    }
    expect(warnings.map((w) => w.name)).not.toContain("MaxListenersExceededWarning");
    expect(peak).toBe(1);
    expect(getEventListeners(ctx.signal, "abort")).toHaveLength(0);
  });

  it("records failures with a reason and an exponential backoff", async () => {
    const silent = await clearnetRelay("silent.relay-devnet.net", { silent: true });
    const refusing = await clearnetRelay("refuse.relay-devnet.net", { refuse: true });
    const dead = `wss://dead.relay-devnet.net:${await closedPort()}`;
    const unknown = "wss://nxdomain.relay-devnet.net";
    const garbage = await startScriptedServer((ws) => {
      ws.send("hello");
      ws.send("[not json");
    });
    const garbageFront = await startTlsFront(garbage.port);
    closers.push(
      () => garbageFront.close(),
      () => garbage.close(),
    );
    const garbageUrl = `wss://garbage.relay-devnet.net:${garbageFront.port}`;
    const hosts = ["silent", "refuse", "dead", "garbage"].map((h) => `${h}.relay-devnet.net`);
    const urls = [silent.url, refusing.url, dead, unknown, garbageUrl];
    await seedCandidates(urls.map((url) => ({ url })));
    const { service } = validator(hosts);
    const { ctx, registry, clock } = testContext(db.pool, NOW);

    expect(await service.runCycle(ctx)).toMatchObject({ probed: 5, promoted: 0, failed: 5 });

    const byUrl = new Map((await readCandidates(db.pool, urls)).map((c) => [c.url, c]));
    const reasonOf = (url: string) => byUrl.get(url)?.reason?.split(":")[0];
    expect(reasonOf(silent.url)).toBe("silent");
    expect(reasonOf(refusing.url)).toBe("refused");
    expect(reasonOf(dead)).toBe("refused");
    expect(reasonOf(unknown)).toBe("dns");
    expect(reasonOf(garbageUrl)).toBe("protocol");
    for (const c of byUrl.values()) {
      expect(c).toMatchObject({ failures: 1, lastAttempt: NOW, nextAttempt: NOW + 3600 });
      expect(c.firstSeen).toBe(FIRST_SEEN);
    }
    expect(await relayRows()).toEqual([]);
    expect(
      await metricValue(registry, "brotr_validator_failures_total", {
        network: "clearnet",
        reason: "silent",
      }),
    ).toBe(1);

    // Not due again before the backoff ends; then the second failure doubles it.
    clock.now = NOW + 3599;
    expect(await service.runCycle(ctx)).toMatchObject({ due: 0, probed: 0 });
    clock.now = NOW + 3600;
    expect(await service.runCycle(ctx)).toMatchObject({ due: 5, failed: 5 });
    const [again] = await readCandidates(db.pool, [silent.url]);
    expect(again).toMatchObject({
      failures: 2,
      lastAttempt: NOW + 3600,
      nextAttempt: NOW + 3600 + 7200,
    });
  });

  it("fails self-signed TLS unless allow_insecure", async () => {
    const healthy = await clearnetRelay("tls.relay-devnet.net");
    await seedCandidates([{ url: healthy.url }]);
    const { service } = validator(["tls.relay-devnet.net"], { allow_insecure: false });
    await service.runCycle(testContext(db.pool, NOW).ctx);
    const [candidate] = await readCandidates(db.pool, [healthy.url]);
    expect(candidate?.reason?.split(":")[0]).toBe("tls");
  });

  it("refuses a loopback relay without connecting when allow_private is false", async () => {
    const healthy = await clearnetRelay("private.relay-devnet.net");
    await seedCandidates([{ url: healthy.url }]);
    const { service, resolver } = validator(
      ["private.relay-devnet.net"],
      {},
      { allow_private: false },
    );
    const { ctx, registry } = testContext(db.pool, NOW);

    expect(await service.runCycle(ctx)).toMatchObject({ failed: 1, promoted: 0 });

    const [candidate] = await readCandidates(db.pool, [healthy.url]);
    expect(candidate?.reason).toMatch(/^private-address: /);
    expect(resolver.lookups).toEqual(["private.relay-devnet.net"]);
    expect(healthy.front.connections).toBe(0);
    expect(healthy.relay.totalConnections).toBe(0);
    expect(
      await metricValue(registry, "brotr_validator_failures_total", {
        network: "clearnet",
        reason: "private-address",
      }),
    ).toBe(1);
  });

  it("reaches .onion relays through the network's SOCKS5 proxy and skips disabled networks", async () => {
    const onionRelay = await startOnionRelay();
    closers.push(() => onionRelay.close());
    const onionUrl = onionRelay.url;
    const i2pUrl = "ws://relay.example-devnet.i2p";
    await seedCandidates([
      { url: onionUrl, network: "tor" },
      { url: i2pUrl, network: "i2p" },
    ]);
    const { service } = validator(
      [],
      {},
      {
        networks: {
          clearnet: { timeout: 1 },
          tor: { enabled: true, timeout: 2, proxy: onionRelay.proxyUrl },
        },
      },
    );

    expect(await service.runCycle(testContext(db.pool, NOW).ctx)).toMatchObject({
      due: 1,
      promoted: 1,
    });
    expect(await relayRows()).toEqual([
      { url: onionUrl, network: "tor", discovered_at: FIRST_SEEN },
    ]);
    expect(onionRelay.requests).toEqual([{ host: onionRelay.onion, port: 80 }]);
    const [waiting] = await readCandidates(db.pool, [i2pUrl]);
    expect(waiting).toMatchObject({ failures: 0, lastAttempt: null, network: "i2p" });
  });

  it("orders by failures, honours max_candidates and chunk_size", async () => {
    const hosts = Array.from({ length: 12 }, (_, i) => `n${i}.relay-devnet.net`);
    const port = await closedPort();
    const urls = hosts.map((h) => `wss://${h}:${port}`);
    await seedCandidates(urls.map((url) => ({ url })));
    await db.pool.query(
      `UPDATE service_state SET state_value = state_value || '{"failures": 3}'
       WHERE state_key = ANY($1::text[])`,
      [urls.slice(0, 6)],
    );
    const { service } = validator(hosts, { chunk_size: 10, max_candidates: 6 });
    const { ctx } = testContext(db.pool, NOW);
    expect(await service.runCycle(ctx)).toMatchObject({ due: 12, probed: 6, failed: 6 });
    const tried = (await readCandidates(db.pool, urls)).filter((c) => c.lastAttempt === NOW);
    expect(tried.map((c) => c.url).sort()).toEqual(urls.slice(6).sort());
    expect(tried.every((c) => c.failures === 1)).toBe(true);
  });
});

describe("validator abort", () => {
  it("stops within moments of the signal and records nothing for interrupted probes", async () => {
    const silent = await clearnetRelay("slow.relay-devnet.net", { silent: true });
    await seedCandidates([{ url: silent.url }]);
    const { service } = validator(
      ["slow.relay-devnet.net"],
      {},
      {
        networks: { clearnet: { timeout: 30 } },
      },
    );
    const abort = new AbortController();
    const { ctx } = testContext(db.pool, NOW, abort.signal);
    setTimeout(() => abort.abort(), 300);
    const started = Date.now();
    expect(await service.runCycle(ctx)).toMatchObject({ probed: 0, failed: 0 });
    expect(Date.now() - started).toBeLessThan(3000);
    const [candidate] = await readCandidates(db.pool, [silent.url]);
    expect(candidate).toMatchObject({ failures: 0, lastAttempt: null });
  });
});

describe("validator cleanup", () => {
  it("drops promoted candidates and those at max_failures", async () => {
    const urls = [
      "wss://a.relay-devnet.net",
      "wss://b.relay-devnet.net",
      "wss://c.relay-devnet.net",
    ];
    await seedCandidates(urls.map((url) => ({ url })));
    await db.pool.query(
      `UPDATE service_state SET state_value = state_value || jsonb_build_object('failures', f)
       FROM unnest($1::text[], $2::int[]) AS t(u, f) WHERE state_key = t.u`,
      [urls, [5, 4, 0]],
    );
    await db.pool.query("INSERT INTO relay VALUES ($1, 'clearnet', 1)", [urls[2]]);
    const { service } = validator([], { max_failures: 5 });
    const { ctx } = testContext(db.pool, NOW);
    expect(await service.cleanup?.(ctx)).toBe(2);
    expect((await readCandidates(db.pool, urls)).map((c) => c.url)).toEqual([urls[1]]);

    const keepForever = validator([], { max_failures: 0 }).service;
    await db.pool.query(
      `UPDATE service_state SET state_value = state_value || '{"failures": 100000}'`,
    );
    expect(await keepForever.cleanup?.(ctx)).toBe(0);
  });
});
