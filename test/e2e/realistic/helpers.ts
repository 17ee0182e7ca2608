/**
 * One realistic devnet with a relay per behaviour, and the validator, monitor and
 * synchronizer each run against it on real PostgreSQL (their reactions are asserted by the
 * test files beside this one).
 */
import type pg from "pg";
import { parseConfig } from "../../../src/core/config/load.js";
import { insertCandidates } from "../../../src/core/db/service-state/candidates.js";
import { runOnce } from "../../../src/core/service.js";
import {
  eligibleBehaviours,
  type RealisticNetwork,
  startRealisticNetwork,
} from "../../../src/devnet/realistic-network.js";
import { validatorConfigSchema } from "../../../src/services/validator/config.js";
import { createValidator } from "../../../src/services/validator/service.js";
import { testBrotrConfig } from "../../db/services/validator/devnet.js";
import { createTestContext } from "../../support/service-context.js";

/** One relay per behaviour (no TLS: the certificate faults have their own test). */
export function startOnePerBehaviour(seed = 1): Promise<RealisticNetwork> {
  const relays = eligibleBehaviours(false).length;
  return startRealisticNetwork({ relays, seed, events: relays * 160, flapMs: 0 });
}

/** The relay of `behaviour` (there is exactly one). */
export function relayOf(net: RealisticNetwork, behaviour: string) {
  const relay = net.relays.find((r) => r.behaviour === behaviour);
  if (relay === undefined) throw new Error(`no ${behaviour} relay`);
  return relay;
}

/** One validator cycle over every relay of `net` as candidates. */
export async function validateAll(pool: pg.Pool, net: RealisticNetwork, now: number) {
  const candidates = net.relays.map((r) => ({
    url: r.url,
    network: "clearnet" as const,
    source: "test",
  }));
  await insertCandidates(pool, candidates, now);
  const config = parseConfig(validatorConfigSchema, { processing: {} }, "validator.yaml");
  const deps = { brotr: testBrotrConfig({ networks: { clearnet: { timeout: 10 } } }) };
  const t = createTestContext(pool, { service: "validator", now });
  const outcome = await runOnce(createValidator(deps, config), t.ctx);
  if (!outcome.ok) throw outcome.error;
  return t;
}
