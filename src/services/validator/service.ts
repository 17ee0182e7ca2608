import pLimit, { type LimitFunction } from "p-limit";
import type { NetworksConfig } from "../../core/config/schemas.js";
import { withTransaction } from "../../core/db/pool.js";
import type { CycleReport, Service, ServiceContext } from "../../core/service.js";
import { isOverlay, NETWORKS, type Network } from "../../models/index.js";
import type { Resolver } from "../../utils/dns.js";
import { type Candidate, promoteCandidates } from "../shared/candidates.js";
import type { ServiceDeps } from "../shared/deps.js";
import { nextAttemptAt } from "./backoff.js";
import type { ValidatorConfig } from "./config.js";
import { type ValidatorMetrics, validatorMetrics } from "./metrics.js";
import { type ProbeResult, probeRelay } from "./probe.js";
import {
  type CandidateFailure,
  countDueCandidates,
  deleteSpentCandidates,
  fetchDueCandidates,
  recordCandidateFailures,
} from "./queries.js";

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

/**
 * The validator: probes candidates (see probe.ts for what counts as a relay), promotes the
 * valid ones and backs off the others (see backoff.ts), one transaction per chunk.
 * Candidates on disabled networks wait, untouched, until their network is enabled.
 */
export function createValidator(
  deps: ServiceDeps,
  config: ValidatorConfig,
  options: ValidatorOptions = {},
): Service {
  const { networks } = deps.brotr;
  const limits = new Map<Network, LimitFunction>(
    NETWORKS.map((n) => [n, pLimit(networks[n].max_tasks)]),
  );
  const p = config.processing;

  function probe(candidate: Candidate, signal: AbortSignal): Promise<ProbeResult> {
    const net = networks[candidate.network];
    const run = () =>
      probeRelay(candidate.url, {
        network: candidate.network,
        timeoutMs: Math.round(net.timeout * p.probe_timeout_factor * 1000),
        allowPrivate: deps.brotr.allow_private,
        allowInsecure: p.allow_insecure,
        signal,
        ...(isOverlay(candidate.network) && net.proxy ? { proxyUrl: net.proxy } : {}),
        ...(options.resolver ? { resolver: options.resolver } : {}),
      });
    const limit = limits.get(candidate.network);
    return limit ? limit(run) : run();
  }

  async function processChunk(
    ctx: ServiceContext,
    m: ValidatorMetrics,
    chunk: Candidate[],
  ): Promise<ChunkOutcome> {
    const results = await Promise.all(chunk.map((c) => probe(c, ctx.signal)));
    const now = ctx.now();
    const valid: { url: string; network: Network; firstSeen: number }[] = [];
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
      const nextAttempt = nextAttemptAt(now, failures, p.retry_interval, p.max_retry_interval);
      const reason = `${r.reason}: ${r.detail}`.slice(0, MAX_REASON_LENGTH);
      failed.push({ url: c.url, failures, nextAttempt, reason });
      ctx.log.debug({ relay: c.url, reason, failures, nextAttempt }, "candidate_failed");
    });
    await withTransaction(ctx.db, async (client) => {
      await promoteCandidates(client, valid);
      await recordCandidateFailures(client, failed, now);
    });
    const aborted = chunk.length - valid.length - failed.length;
    return { promoted: valid.length, failed: failed.length, aborted };
  }

  async function reportDue(ctx: ServiceContext, m: ValidatorMetrics, enabled: Network[]) {
    const due = await countDueCandidates(ctx.db, enabled, ctx.now());
    let total = 0;
    for (const n of enabled) {
      const count = due.get(n) ?? 0;
      m.due.set({ network: n }, count);
      total += count;
    }
    return total;
  }

  async function runCycle(ctx: ServiceContext): Promise<CycleReport> {
    const m = validatorMetrics(ctx.metrics);
    const enabled = enabledNetworks(networks);
    const report = { due: 0, probed: 0, promoted: 0, failed: 0 };
    if (enabled.length === 0) {
      ctx.log.warn("no_network_enabled");
      return report;
    }
    report.due = await reportDue(ctx, m, enabled);
    const cap = p.max_candidates ?? Number.POSITIVE_INFINITY;
    const seen = new Set<string>();
    while (!ctx.signal.aborted && report.probed < cap) {
      const size = Math.min(p.chunk_size, cap - report.probed);
      const chunk = await fetchDueCandidates(ctx.db, enabled, ctx.now(), size);
      if (chunk.length === 0 || chunk.some((c) => seen.has(c.url))) break;
      for (const c of chunk) seen.add(c.url);
      const outcome = await processChunk(ctx, m, chunk);
      report.probed += outcome.promoted + outcome.failed;
      report.promoted += outcome.promoted;
      report.failed += outcome.failed;
      ctx.log.info({ ...outcome, size: chunk.length }, "chunk_validated");
      if (outcome.aborted > 0) break;
    }
    return report;
  }

  return {
    name: "validator",
    async cleanup(ctx) {
      const { promoted, exhausted } = await deleteSpentCandidates(ctx.db, p.max_failures);
      if (promoted + exhausted > 0) ctx.log.info({ promoted, exhausted }, "candidates_cleaned");
      return promoted + exhausted;
    },
    runCycle,
  };
}
