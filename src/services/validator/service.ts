import { randomBytes } from "node:crypto";
import pLimit, { type LimitFunction } from "p-limit";
import { proxyOf } from "../../core/config/proxy.js";
import type { NetworksConfig } from "../../core/config/schemas.js";
import { acquireLeases, releaseLeases } from "../../core/db/leases.js";
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

function enabledNetworks(networks: NetworksConfig): Network[] {
  return NETWORKS.filter((n) => networks[n].enabled);
}

interface ChunkOutcome {
  promoted: number;
  failed: number;
  aborted: number;
}

/** What every step of a cycle needs: settings, per-network limits, the resolver. */
interface Runtime {
  deps: ServiceDeps;
  /** This process's lease holder name: replicas never probe the same candidate at once. */
  holder: string;
  processing: ProcessingConfig;
  limits: Map<Network, LimitFunction>;
  resolver: Resolver | undefined;
}

/** A chunk's lease: long enough for every probe of it to time out, with a margin. */
function leaseSeconds(rt: Runtime, chunk: readonly Candidate[]): number {
  const slowest = Math.max(...chunk.map((c) => rt.deps.brotr.networks[c.network].timeout));
  return Math.ceil(slowest * rt.processing.probe_timeout_factor * 2) + 60;
}

/** Probes one candidate within its network's concurrency limit and deadline. */
function probeCandidate(rt: Runtime, candidate: Candidate, signal: AbortSignal) {
  const net = rt.deps.brotr.networks[candidate.network];
  const run = () =>
    probeRelay(candidate.url, {
      network: candidate.network,
      timeoutMs: Math.round(net.timeout * rt.processing.probe_timeout_factor * 1000),
      allowPrivate: rt.deps.brotr.allow_private,
      allowInsecure: rt.processing.allow_insecure,
      signal,
      ...proxyOf(rt.deps.brotr.networks, candidate.network),
      ...(rt.resolver ? { resolver: rt.resolver } : {}),
    });
  const limit = rt.limits.get(candidate.network);
  return limit ? limit(run) : run();
}

/** Splits probe results into promotions and failures (with their backoff); counts metrics. */
function sortResults(
  rt: Runtime,
  ctx: ServiceContext,
  chunk: readonly Candidate[],
  results: readonly ProbeResult[],
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

/** Probes a chunk, then promotes and records failures in ONE transaction. */
async function processChunk(
  rt: Runtime,
  ctx: ServiceContext,
  chunk: readonly Candidate[],
): Promise<ChunkOutcome> {
  const results = await Promise.all(chunk.map((c) => probeCandidate(rt, c, ctx.signal)));
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

/** One cycle: chunk after chunk until none is due, the cap is reached or the signal aborts. */
async function runValidation(rt: Runtime, ctx: ServiceContext): Promise<CycleReport> {
  const enabled = enabledNetworks(rt.deps.brotr.networks);
  const report = { due: 0, probed: 0, promoted: 0, failed: 0 };
  if (enabled.length === 0) {
    ctx.log.warn("no_network_enabled");
    return report;
  }
  report.due = await reportDue(ctx, enabled);
  const cap = rt.processing.max_candidates ?? Number.POSITIVE_INFINITY;
  const seen = new Set<string>();
  while (!ctx.signal.aborted && report.probed < cap) {
    const size = Math.min(rt.processing.chunk_size, cap - report.probed);
    const due = await fetchDueCandidates(ctx.db, enabled, ctx.now(), size);
    if (due.length === 0 || due.some((c) => seen.has(c.url))) break;
    for (const c of due) seen.add(c.url);
    // Another validator may be probing some of them: take only what is free.
    const ttl = leaseSeconds(rt, due);
    const request = { service: VALIDATOR, holder: rt.holder, ttl, now: ctx.now() };
    const taken = await acquireLeases(ctx.db, { ...request, items: due.map((c) => c.url) });
    const chunk = due.filter((c) => taken.has(c.url));
    if (chunk.length === 0) continue;
    const outcome = await processChunk(rt, ctx, chunk).finally(() =>
      releaseLeases(ctx.db, VALIDATOR, rt.holder, [...taken]).catch(() => 0),
    );
    report.probed += outcome.promoted + outcome.failed;
    report.promoted += outcome.promoted;
    report.failed += outcome.failed;
    ctx.log.info({ ...outcome, size: chunk.length }, "chunk_validated");
    if (outcome.aborted > 0) break;
  }
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
    holder: deps.instanceId ?? randomBytes(8).toString("hex"),
    processing: config.processing,
    limits: new Map(NETWORKS.map((n) => [n, pLimit(networks[n].max_tasks)])),
    resolver: options.resolver,
  };
  return {
    name: VALIDATOR,
    async cleanup(ctx) {
      const maxFailures = rt.processing.max_failures;
      const { promoted, exhausted } = await deleteSpentCandidates(ctx.db, maxFailures);
      if (promoted + exhausted > 0) ctx.log.info({ promoted, exhausted }, "candidates_cleaned");
      return promoted + exhausted;
    },
    runCycle: (ctx) => runValidation(rt, ctx),
  };
}
