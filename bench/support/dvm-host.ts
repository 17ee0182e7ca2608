/**
 * One DVM replica of bench:dvm in its own process, as `bigbrotr dvm` runs it (its own pool
 * with the DVM's statement timeout, startDvm):
 * `tsx bench/support/dvm-host.ts '{"url":…,"relays":[…],"holder":…,"secret":…,"config":{…}}'`.
 * Announces `{"pubkey":…,"pid":N}` once subscribed and announced on every relay; serves until
 * stdin closes or SIGTERM, then, once every request received is handled, prints
 * `{"final":{"<kind>:<outcome>":n}}` (its brotr_dvm_requests_total) and exits.
 */
import pino from "pino";
import { brotrConfigSchema } from "../../src/core/config/schemas.js";
import { createPool } from "../../src/core/db/pool.js";
import { createDbOutage } from "../../src/core/db-outage.js";
import { createRegistry, createServiceMetrics } from "../../src/core/metrics.js";
import { dvmConfigSchema } from "../../src/services/dvm/config.js";
import { startDvm } from "../../src/services/dvm/service.js";
import { announceAndServe } from "./child.js";

export interface DvmHostSpec {
  url: string;
  relays: string[];
  holder: string;
  /** The DVM's key, hex (replicas share it). */
  secret: string;
  /** dvm.yaml keys besides enabled and relays. */
  config: Record<string, unknown>;
  pool: number;
}

const spec = JSON.parse(process.argv[2] ?? "{}") as DvmHostSpec;
const config = dvmConfigSchema.parse({ ...spec.config, enabled: true, relays: spec.relays });
const pool = createPool({
  url: spec.url,
  max: spec.pool,
  applicationName: `bench-${spec.holder}`,
  statementTimeoutMs: config.statement_timeout * 1000,
});
const log = pino({ level: "warn" });
const registry = createRegistry();
const brotr = brotrConfigSchema.parse({ allow_private: true });
const dvm = startDvm(
  { brotr, secretKey: Uint8Array.from(Buffer.from(spec.secret, "hex")), instanceId: spec.holder },
  config,
  {
    db: pool,
    log,
    metrics: createServiceMetrics(registry, "dvm"),
    outage: createDbOutage(log),
    now: () => Math.floor(Date.now() / 1000),
  },
);
await dvm.ready();
/** This replica's requests by kind and outcome. */
async function outcomes(): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric("brotr_dvm_requests_total")?.get();
  const values = metric?.values ?? [];
  return Object.fromEntries(values.map((v) => [`${v.labels.kind}:${v.labels.outcome}`, v.value]));
}

let closing: Promise<void> | undefined;
announceAndServe({ pubkey: dvm.pubkey, pid: process.pid }, () => {
  closing ??= dvm.close().then(async () => {
    process.stdout.write(`${JSON.stringify({ final: await outcomes() })}\n`);
    await pool.end();
  });
  return closing;
});
