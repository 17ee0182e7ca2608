import {
  readSourceCheckpoints,
  writeSourceCheckpoint,
} from "../../core/db/service-state/finder-state.js";
import { type ServiceContext, sleep } from "../../core/service.js";
import type { ServiceDeps } from "../../core/service-deps.js";
import type { Resolver } from "../../utils/dns.js";
import { fetchSource } from "./api-sources.js";
import type { ApiSourceConfig, FinderConfig } from "./config.js";
import type { FinderCounts } from "./counts.js";
import { UrlBatch } from "./url-batch.js";

export interface ApiPhaseReport {
  api_fetched: number;
  api_failed: number;
  api_cooling: number;
}

export interface ApiPhaseOptions {
  deps: ServiceDeps;
  config: FinderConfig["api"];
  counts: FinderCounts;
  resolver?: Resolver;
}

/** Fetches one source, adds its URLs as candidates, then checkpoints it. False on failure. */
async function runSource(
  ctx: ServiceContext,
  source: ApiSourceConfig,
  options: ApiPhaseOptions,
): Promise<boolean> {
  const fetches = ctx.metrics.counter(
    "brotr_finder_api_fetches_total",
    "API source fetches by result (success, or the failure kind)",
    ["result"],
  );
  const result = await fetchSource(source, {
    brotr: options.deps.brotr,
    signal: ctx.signal,
    ...(options.resolver ? { resolver: options.resolver } : {}),
  });
  if (!result.ok) {
    fetches.inc({ result: result.kind });
    ctx.log.warn({ source: source.url, kind: result.kind, reason: result.reason }, "api_failed");
    return false;
  }
  const batch = new UrlBatch(options.counts, options.deps.brotr.allow_private);
  for (const url of result.urls) batch.add("api", url);
  const added = await batch.flush(ctx.db, ctx.now());
  await writeSourceCheckpoint(ctx.db, source.url, ctx.now());
  fetches.inc({ result: "success" });
  const { nonStrings, truncated } = result;
  ctx.log.info(
    { source: source.url, found: result.urls.length, added, nonStrings, truncated },
    "api_fetched",
  );
  return true;
}

/**
 * Fetches each enabled source in turn, skipping those inside their cooldown (counted from the
 * last success, so a failing source is retried every cycle). Failures are logged and counted,
 * never fatal; a source is checkpointed only after its candidates are stored.
 */
export async function runApiPhase(
  ctx: ServiceContext,
  options: ApiPhaseOptions,
): Promise<ApiPhaseReport> {
  const report: ApiPhaseReport = { api_fetched: 0, api_failed: 0, api_cooling: 0 };
  const checkpoints = await readSourceCheckpoints(ctx.db);
  let requested = false;
  for (const source of options.config.sources) {
    if (ctx.signal.aborted) break;
    if (!source.enabled) continue;
    const last = checkpoints.get(source.url);
    if (last !== undefined && ctx.now() - last < options.config.cooldown) {
      report.api_cooling += 1;
      continue;
    }
    if (requested) await sleep(options.config.request_delay * 1000, ctx.signal);
    if (ctx.signal.aborted) break;
    requested = true;
    if (await runSource(ctx, source, options)) report.api_fetched += 1;
    else report.api_failed += 1;
  }
  return report;
}
