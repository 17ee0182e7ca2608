import { randomBytes } from "node:crypto";
import pLimit, { type LimitFunction } from "p-limit";
import { acquireLeases, deleteExpiredLeases, releaseLeases } from "../../core/db/leases.js";
import { deleteOrphanMetadata } from "../../core/db/metadata.js";
import { countDueRelays, type DueRelay, dueRelays } from "../../core/db/read/monitor-relays.js";
import { type RelayCheck, recordRelayMetadata } from "../../core/db/relay-metadata.js";
import type { CycleReport, Service, ServiceContext } from "../../core/service.js";
import { NETWORKS, type Network } from "../../models/index.js";
import type { MetadataType } from "../../models/metadata-type.js";
import type { ServiceState } from "../../models/service-state.js";
import type { RecordResolver, Resolver } from "../../utils/dns.js";
import type { AsnDatabase, GeoDatabase } from "../../utils/geoip.js";
import type { ServiceDeps } from "../shared/deps.js";
import { startHeartbeat } from "../shared/lease-heartbeat.js";
import type { CheckName, MonitorConfig } from "./config.js";
import { type RelayResults, storedDocuments } from "./documents.js";
import { type GeoData, openGeoData } from "./geo-data.js";
import { monitorMetrics } from "./metrics.js";
import { type CheckRuntime, checkOneRelay } from "./relay-check.js";

export const MONITOR = "monitor";

export interface MonitorOptions {
  /** This process's lease holder name (default: the deployment's instance id, or random). */
  holder?: string;
  /** Address lookups (connections, geo, net); default the system resolver. */
  resolver?: Resolver;
  /** Record queries of the dns check; default the system resolver. */
  records?: RecordResolver;
  /** Geo and ASN databases; default opened once from monitor.yaml or the bundled data. */
  geo?: GeoDatabase | null;
  asn?: AsnDatabase | null;
  /** Trusted CAs of the ssl check's verifying connection. */
  ca?: string | string[];
  /** Check only this relay, due or not (CLI `--relay`). */
  relayUrl?: string;
}

/** One relay checked: when, and what came back. */
export interface RelayRun {
  relay: DueRelay;
  generatedAt: number;
  results: RelayResults;
}

const CHECK_OF: Record<MetadataType, CheckName> = {
  nip11_info: "nip11",
  nip66_rtt: "rtt",
  nip66_ssl: "ssl",
  nip66_dns: "dns",
  nip66_geo: "geo",
  nip66_net: "net",
  nip66_http: "http",
};

interface Runtime {
  deps: ServiceDeps;
  config: MonitorConfig;
  holder: string;
  limits: Map<Network, LimitFunction>;
  options: MonitorOptions;
  geo: GeoData | undefined;
}

function countChecks(ctx: ServiceContext, run: RelayRun): void {
  const m = monitorMetrics(ctx.metrics);
  for (const [check, result] of Object.entries(run.results)) {
    m.checks.inc({ check, outcome: result.status });
    if (result.status !== "skipped") m.checkSeconds.observe({ check }, result.durationMs / 1000);
  }
  const rtt = run.results.rtt.status;
  const outcome = rtt === "ok" ? "up" : rtt === "error" ? "down" : "unknown";
  m.relays.inc({ network: run.relay.network, outcome });
}

/** History rows of a chunk (stored checks only) and the checkpoints that go with them. */
function historyOf(rt: Runtime, runs: readonly RelayRun[]) {
  const { checks } = rt.config.processing;
  const rows: RelayCheck[] = [];
  const checkpoints: ServiceState[] = [];
  for (const run of runs) {
    const relay = { url: run.relay.url, network: run.relay.network, discoveredAt: run.generatedAt };
    for (const [type, doc] of storedDocuments(run.results)) {
      if (!checks[CHECK_OF[type]].store) continue;
      rows.push({ relay, type, data: doc, generatedAt: run.generatedAt });
    }
    checkpoints.push({
      serviceName: MONITOR,
      stateType: "checkpoint",
      stateKey: run.relay.url,
      stateValue: { timestamp: run.generatedAt },
    });
  }
  return { rows, checkpoints };
}

function checkRuntime(rt: Runtime): CheckRuntime {
  const { deps, options } = rt;
  return {
    processing: rt.config.processing,
    networks: deps.brotr.networks,
    allowPrivate: deps.brotr.allow_private,
    geo: rt.geo?.city ?? null,
    asn: rt.geo?.asn ?? null,
    ...(deps.secretKey ? { secretKey: deps.secretKey } : {}),
    ...(options.resolver ? { resolver: options.resolver } : {}),
    ...(options.records ? { records: options.records } : {}),
    ...(options.ca === undefined ? {} : { ca: options.ca }),
  };
}

interface ChunkOutcome {
  checked: number;
  up: number;
  documents: number;
  written: number;
  aborted: boolean;
}

/**
 * Checks a chunk (per-network concurrency), then writes its history and checkpoints in ONE
 * transaction: a crash or shutdown mid-chunk loses that chunk's checks and nothing else.
 */
async function processChunk(
  rt: Runtime,
  ctx: ServiceContext,
  chunk: readonly DueRelay[],
): Promise<ChunkOutcome> {
  const check = checkRuntime(rt);
  const runs = await Promise.all(
    chunk.map((relay) =>
      (rt.limits.get(relay.network) ?? pLimit(1))(async (): Promise<RelayRun> => {
        const generatedAt = ctx.now();
        const results = await checkOneRelay(check, relay.url, relay.network, ctx.signal);
        return { relay, generatedAt, results };
      }),
    ),
  );
  if (ctx.signal.aborted) return { checked: 0, up: 0, documents: 0, written: 0, aborted: true };
  const { rows, checkpoints } = historyOf(rt, runs);
  const recorded = await recordRelayMetadata(ctx.db, rows, { checkpoints, now: ctx.now() });
  const m = monitorMetrics(ctx.metrics);
  m.documents.inc({ result: "written" }, recorded.metadata);
  m.documents.inc({ result: "deduplicated" }, rows.length - recorded.metadata);
  let up = 0;
  for (const run of runs) {
    countChecks(ctx, run);
    if (run.results.rtt.status === "ok") up++;
    ctx.log.debug(
      { relay: run.relay.url, rtt: run.results.rtt.status, nip11: run.results.nip11.status },
      "relay_checked",
    );
  }
  return {
    checked: runs.length,
    up,
    documents: rows.length,
    written: recorded.metadata,
    aborted: false,
  };
}

/** Takes the chunk's leases, keeps those still due (another process may have just checked them). */
async function takeChunk(
  rt: Runtime,
  ctx: ServiceContext,
  candidates: readonly DueRelay[],
  selection: { networks: Network[]; checkedBefore: number },
): Promise<DueRelay[]> {
  const items = candidates.map((c) => c.url);
  const request = {
    service: MONITOR,
    holder: rt.holder,
    ttl: rt.config.processing.lease_ttl,
    items,
  };
  const taken = await acquireLeases(ctx.db, { ...request, now: ctx.now() });
  if (taken.size === 0) return [];
  const still = await dueRelays(ctx.db, {
    service: MONITOR,
    ...selection,
    holder: rt.holder,
    now: ctx.now(),
    limit: taken.size,
    urls: [...taken],
  });
  const keep = new Set(still.map((r) => r.url));
  const late = [...taken].filter((u) => !keep.has(u));
  if (late.length > 0) await releaseLeases(ctx.db, MONITOR, rt.holder, late);
  return still;
}

async function reportDue(
  ctx: ServiceContext,
  networks: readonly Network[],
  checkedBefore: number,
): Promise<number> {
  const m = monitorMetrics(ctx.metrics);
  const due = await countDueRelays(ctx.db, MONITOR, networks, checkedBefore);
  let total = 0;
  for (const n of networks) {
    m.due.set({ network: n }, due.get(n) ?? 0);
    total += due.get(n) ?? 0;
  }
  return total;
}

/** One cycle: chunk after chunk until no relay is due, the cap is reached or shutdown. */
async function runMonitor(rt: Runtime, ctx: ServiceContext): Promise<CycleReport> {
  const networks = NETWORKS.filter((n) => rt.deps.brotr.networks[n].enabled);
  const report = { due: 0, checked: 0, up: 0, down: 0, documents: 0, written: 0 };
  if (networks.length === 0) {
    ctx.log.warn("no_network_enabled");
    return report;
  }
  rt.geo ??= await openGeoData(rt.config.processing, ctx.log, rt.options);
  const p = rt.config.processing;
  // --relay checks that relay whatever its checkpoint says.
  const checkedBefore = rt.options.relayUrl
    ? Number.MAX_SAFE_INTEGER
    : ctx.now() - p.recheck_interval;
  report.due = await reportDue(ctx, networks, checkedBefore);
  const cap = p.max_relays ?? Number.POSITIVE_INFINITY;
  const selection = { networks, checkedBefore };
  while (!ctx.signal.aborted && report.checked < cap) {
    const candidates = await dueRelays(ctx.db, {
      service: MONITOR,
      ...selection,
      holder: rt.holder,
      now: ctx.now(),
      limit: Math.min(p.chunk_size, cap - report.checked),
      ...(rt.options.relayUrl ? { urls: [rt.options.relayUrl] } : {}),
    });
    if (candidates.length === 0) break;
    const chunk = await takeChunk(rt, ctx, candidates, selection);
    if (chunk.length === 0) continue;
    const items = chunk.map((c) => c.url);
    const heartbeat = startHeartbeat(ctx.db, {
      service: MONITOR,
      holder: rt.holder,
      items,
      ttl: rt.config.processing.lease_ttl,
      now: ctx.now,
      onLost: (lost) => ctx.log.warn({ relays: lost.length }, "monitor_leases_lost"),
    });
    const outcome = await processChunk(rt, ctx, chunk).finally(() => {
      heartbeat.stop();
      return releaseLeases(ctx.db, MONITOR, rt.holder, items).catch(() => 0);
    });
    if (outcome.aborted) break;
    report.checked += outcome.checked;
    report.up += outcome.up;
    report.down += outcome.checked - outcome.up;
    report.documents += outcome.documents;
    report.written += outcome.written;
    ctx.log.info({ ...outcome, size: chunk.length }, "chunk_monitored");
    if (rt.options.relayUrl) break;
  }
  return report;
}

/**
 * The monitor: checks every relay on an enabled network once per `recheck_interval`
 * (NIP-11 and the NIP-66 checks), keeps each result as content-addressed history and a
 * per-relay checkpoint (one transaction per chunk), and shares the relays with other monitor
 * processes through leases.
 */
export function createMonitor(
  deps: ServiceDeps,
  config: MonitorConfig,
  options: MonitorOptions = {},
): Service {
  const { networks } = deps.brotr;
  const rt: Runtime = {
    deps,
    config,
    holder: options.holder ?? deps.instanceId ?? randomBytes(8).toString("hex"),
    limits: new Map(NETWORKS.map((n) => [n, pLimit(networks[n].max_tasks)])),
    options,
    geo: undefined,
  };
  return {
    name: MONITOR,
    /**
     * Drops leases that ran out (a crashed process's; they are free either way) and history
     * documents no snapshot refers to any more (their relays were deleted).
     */
    async cleanup(ctx) {
      const leases = await deleteExpiredLeases(ctx.db, ctx.now());
      return leases + (await deleteOrphanMetadata(ctx.db));
    },
    runCycle: (ctx) => runMonitor(rt, ctx),
  };
}
