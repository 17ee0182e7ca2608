import { proxyOf } from "../../core/config/proxy.js";
import type { NetworksConfig } from "../../core/config/schemas.js";
import { type LeasedWork, leasedWork } from "../../core/db/leased-work.js";
import {
  type Candidate,
  type CandidateFailure,
  countDueCandidates,
  deleteSpentCandidates,
  fetchDueCandidates,
  type Promotion,
} from "../../core/db/service-state/candidates.js";
import { VALIDATOR } from "../../core/db/service-state/services.js";
import type { CycleReport, Service, ServiceContext } from "../../core/service.js";
import type { ServiceDeps } from "../../core/service-deps.js";
import { NETWORKS, type Network } from "../../models/index.js";
import type { Resolver } from "../../utils/dns.js";
import { nextAttemptAt } from "./backoff.js";
import type { ProcessingConfig, ValidatorConfig } from "./config.js";
import { validatorMetrics } from "./metrics.js";
import { type ProbeResult, probeRelay } from "./probe.js";
import { recordProbeResults } from "./queries.js";

export interface ValidatorOptions {
  /** Name resolution for clearnet hosts (default: the system resolver). Tests pass a fake. */
  resolver?: Resolver;
}

/** Longest reason text stored with a candidate. */
const MAX_REASON_LENGTH = 300;

interface ChunkOutcome {
  promoted: number;
  failed: number;
  aborted: number;
}

/** What every step of a cycle needs: settings, the leased-work loop, the resolver. */
interface Runtime {
  deps: ServiceDeps;
  processing: ProcessingConfig;
  /** Replicas never probe the same candidate at once: a chunk is probed under its leases. */
  leases: LeasedWork;
  resolver: Resolver | undefined;
}

/** A chunk's lease: long enough for a probe on the slowest enabled network to time out. */
function leaseSeconds(networks: NetworksConfig, processing: ProcessingConfig): number {
  const enabled = NETWORKS.filter((n) => networks[n].enabled);
  const slowest = Math.max(0, ...enabled.map((n) => networks[n].timeout));
  return Math.ceil(slowest * processing.probe_timeout_factor * 2) + 60;
}

/** Probes one candidate within its deadline. */
function probeCandidate(rt: Runtime, candidate: Candidate, signal: AbortSignal) {
  const net = rt.deps.brotr.networks[candidate.network];
  return probeRelay(candidate.url, {
    network: candidate.network,
    timeoutMs: Math.round(net.timeout * rt.processing.probe_timeout_factor * 1000),
    allowPrivate: rt.deps.brotr.allow_private,
    allowInsecure: rt.processing.allow_insecure,
    signal,
    ...proxyOf(rt.deps.brotr.networks, candidate.network),
    ...(rt.resolver ? { resolver: rt.resolver } : {}),
  });
}

/** Splits probe results into promotions and failures (with their backoff); counts metrics. */
function sortResults(
  rt: Runtime,
  ctx: ServiceContext,
  chunk: readonly Candidate[],
  results: readonly (ProbeResult | undefined)[],
  now: number,
): { valid: Promotion[]; failed: CandidateFailure[] } {
  const m = validatorMetrics(ctx.metrics);
  const { retry_interval, max_retry_interval } = rt.processing;
  const valid: Promotion[] = [];
  const failed: CandidateFailure[] = [];
  chunk.forEach((c, i) => {
    const r = results[i];
    if (r === undefined || r.status === "aborted") return;
    m.probes.inc({ network: c.network, outcome: r.status });
    if (r.status === "valid") {
      valid.push({ url: c.url, network: c.network, firstSeen: c.firstSeen });
      ctx.log.debug({ relay: c.url, answer: r.answer, ms: r.durationMs }, "candidate_valid");
      return;
    }
    m.failures.inc({ network: c.network, reason: r.reason });
    const failures = c.failures + 1;
    const nextAttempt = nextAttemptAt(now, failures, retry_interval, max_retry_interval);
    const reason = `${r.reason}: ${r.detail}`.slice(0, MAX_REASON_LENGTH);
    failed.push({ url: c.url, failures, nextAttempt, reason });
    ctx.log.debug({ relay: c.url, reason, failures, nextAttempt }, "candidate_failed");
  });
  return { valid, failed };
}

/** A probed chunk: promotions and failures recorded in ONE transaction. */
async function recordChunk(
  rt: Runtime,
  ctx: ServiceContext,
  chunk: readonly Candidate[],
  results: readonly (ProbeResult | undefined)[],
): Promise<ChunkOutcome> {
  const now = ctx.now();
  const { valid, failed } = sortResults(rt, ctx, chunk, results, now);
  await recordProbeResults(ctx.db, valid, failed, now);
  const aborted = chunk.length - valid.length - failed.length;
  return { promoted: valid.length, failed: failed.length, aborted };
}

/** Sets the due gauge per enabled network; returns the total. */
async function reportDue(ctx: ServiceContext, enabled: readonly Network[]): Promise<number> {
  const m = validatorMetrics(ctx.metrics);
  const due = await countDueCandidates(ctx.db, enabled, ctx.now());
  let total = 0;
  for (const n of enabled) {
    const count = due.get(n) ?? 0;
    m.due.set({ network: n }, count);
    total += count;
  }
  return total;
}

/**
 * One cycle: chunk after chunk (each probed under its leases, then recorded) until none is
 * due, the cap is reached or the signal aborts.
 */
async function runValidation(rt: Runtime, ctx: ServiceContext): Promise<CycleReport> {
  const enabled = rt.leases.networks;
  const report = { due: 0, probed: 0, promoted: 0, failed: 0 };
  if (enabled.length === 0) {
    ctx.log.warn("no_network_enabled");
    return report;
  }
  report.due = await reportDue(ctx, enabled);
  const seen = new Set<string>();
  let stopped = false;
  const cap = rt.processing.max_candidates;
  await rt.leases.runCycle(ctx, {
    key: (c: Candidate) => c.url,
    pageSize: rt.processing.chunk_size,
    ...(cap === undefined ? {} : { cap }),
    list: async (max) => {
      if (stopped) return [];
      const due = await fetchDueCandidates(ctx.db, enabled, ctx.now(), max);
      // A candidate listed before: the rest are leased by another validator.
      if (due.some((c) => seen.has(c.url))) return [];
      for (const c of due) seen.add(c.url);
      return due;
    },
    work: (c) => probeCandidate(rt, c, ctx.signal),
    finishPage: async (chunk, results) => {
      const outcome = await recordChunk(rt, ctx, chunk, results);
      report.probed += outcome.promoted + outcome.failed;
      report.promoted += outcome.promoted;
      report.failed += outcome.failed;
      ctx.log.info({ ...outcome, size: chunk.length }, "chunk_validated");
      if (outcome.aborted > 0) stopped = true;
    },
  });
  return report;
}

/**
 * The validator: probes candidates (see probe.ts for what counts as a relay), promotes the
 * valid ones and backs off the others (see backoff.ts), one transaction per chunk.
 * Candidates on disabled networks wait, untouched, until their network is enabled.
 * `cleanup` drops candidates that are already relays and those at `max_failures`.
 */
export function createValidator(
  deps: ServiceDeps,
  config: ValidatorConfig,
  options: ValidatorOptions = {},
): Service {
  const { networks } = deps.brotr;
  const rt: Runtime = {
    deps,
    processing: config.processing,
    leases: leasedWork({
      service: VALIDATOR,
      holder: deps.instanceId,
      networks,
      ttl: leaseSeconds(networks, config.processing),
    }),
    resolver: options.resolver,
  };
  return {
    name: VALIDATOR,
    /** Drops spent candidates, and leases that ran out (a crashed validator's). */
    async cleanup(ctx) {
      const maxFailures = rt.processing.max_failures;
      const { promoted, exhausted } = await deleteSpentCandidates(ctx.db, maxFailures);
      if (promoted + exhausted > 0) ctx.log.info({ promoted, exhausted }, "candidates_cleaned");
      return promoted + exhausted + (await rt.leases.cleanup(ctx));
    },
    runCycle: (ctx) => runValidation(rt, ctx),
  };
}
