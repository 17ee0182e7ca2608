import { randomBytes } from "node:crypto";
import pLimit, { type LimitFunction } from "p-limit";
import { startHeartbeat } from "../../core/db/lease-heartbeat.js";
import { acquireLeases, deleteExpiredLeases, releaseLeases } from "../../core/db/leases.js";
import { deleteOrphanMetadata } from "../../core/db/metadata.js";
import { countDueRelays, type DueRelay, dueRelays } from "../../core/db/read/monitor-relays.js";
import { LAST_CYCLE_KEY } from "../../core/db/service-state/last-cycle.js";
import { deleteOrphanCheckpoints } from "../../core/db/service-state/relay-checkpoints.js";
import type { CycleReport, Service, ServiceContext } from "../../core/service.js";
import { NETWORKS, type Network } from "../../models/index.js";
import type { RecordResolver, Resolver } from "../../utils/dns.js";
import type { AsnDatabase, GeoDatabase } from "../../utils/geoip.js";
import type { ServiceDeps } from "../shared/deps.js";
import type { MonitorConfig } from "./config.js";
import { type GeoData, openGeoData } from "./geo-data.js";
import { HistoryWriter, type RelayRun, type WrittenBatch } from "./history-writer.js";
import { monitorMetrics } from "./metrics.js";
import { MonitorPublishing, PERIODIC_CHECKPOINTS } from "./publishing.js";
import { type CheckRuntime, checkOneRelay } from "./relay-check.js";

export const MONITOR = "monitor";

/** Checkpoints that name no relay: cleanup keeps them. */
const NAMED_CHECKPOINTS = [LAST_CYCLE_KEY, ...PERIODIC_CHECKPOINTS];

/** Finished runs are written at least this often (ms), however few. */
const FLUSH_MS = 2000;

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

interface Runtime {
  deps: ServiceDeps;
  config: MonitorConfig;
  holder: string;
  limits: Map<Network, LimitFunction>;
  options: MonitorOptions;
  geo: GeoData | undefined;
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

interface Selection {
  networks: Network[];
  checkedBefore: number;
}

/** Takes leases on due relays; keeps those still due (another process may have just checked them). */
async function takeRelays(
  rt: Runtime,
  ctx: ServiceContext,
  candidates: readonly DueRelay[],
  selection: Selection,
): Promise<DueRelay[]> {
  const items = candidates.map((c) => c.url);
  const ttl = rt.config.processing.lease_ttl;
  const request = { service: MONITOR, holder: rt.holder, ttl, items, now: ctx.now() };
  const taken = await acquireLeases(ctx.db, request);
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

async function reportDue(ctx: ServiceContext, selection: Selection): Promise<number> {
  const m = monitorMetrics(ctx.metrics);
  const due = await countDueRelays(ctx.db, MONITOR, selection.networks, selection.checkedBefore);
  let total = 0;
  for (const n of selection.networks) {
    m.due.set({ network: n }, due.get(n) ?? 0);
    total += due.get(n) ?? 0;
  }
  return total;
}

/** This cycle's publisher, when there are relays to publish to and a key to sign with. */
function startPublishing(rt: Runtime, ctx: ServiceContext): MonitorPublishing | undefined {
  if (rt.config.publishing.relays.length === 0) return undefined;
  const secretKey = rt.deps.secretKey;
  if (secretKey === undefined) {
    ctx.log.warn("publishing_without_key");
    return undefined;
  }
  return new MonitorPublishing(ctx, {
    service: MONITOR,
    config: rt.config,
    networks: rt.deps.brotr.networks,
    allowPrivate: rt.deps.brotr.allow_private,
    secretKey,
    ...(rt.options.resolver ? { resolver: rt.options.resolver } : {}),
  });
}

function counted(ctx: ServiceContext, run: RelayRun): "up" | "down" | "unknown" {
  const m = monitorMetrics(ctx.metrics);
  for (const [check, result] of Object.entries(run.results)) {
    m.checks.inc({ check, outcome: result.status });
    if (result.status !== "skipped") m.checkSeconds.observe({ check }, result.durationMs / 1000);
  }
  const rtt = run.results.rtt.status;
  const outcome = rtt === "ok" ? "up" : rtt === "error" ? "down" : "unknown";
  m.relays.inc({ network: run.relay.network, outcome });
  return outcome;
}

/**
 * One cycle. Relays flow through continuously: due relays are leased a page at a time and
 * checked under the per-network limits, with enough taken ahead to keep every limit busy, so
 * a silent relay holds one slot for its timeout and nothing else; finished runs are written
 * in batches (history-writer.ts). Ends when nothing is due, at the cap, or at shutdown.
 */
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
  const selection: Selection = { networks, checkedBefore };
  report.due = await reportDue(ctx, selection);
  const cap = p.max_relays ?? Number.POSITIVE_INFINITY;
  const slots = networks.reduce((n, net) => n + rt.deps.brotr.networks[net].max_tasks, 0);
  const ahead = Math.max(p.chunk_size, 2 * slots);
  const heartbeat = startHeartbeat(ctx.db, {
    service: MONITOR,
    holder: rt.holder,
    ttl: p.lease_ttl,
    now: ctx.now,
    onLost: (lost) => ctx.log.warn({ relays: lost.length }, "monitor_leases_lost"),
  });
  const publishing = startPublishing(rt, ctx);
  await publishing?.periodic(networks);
  const onWritten = (batch: WrittenBatch) => {
    let up = 0;
    for (const run of batch.runs) {
      if (counted(ctx, run) === "up") up++;
      publishing?.relayChecked(run);
    }
    report.checked += batch.runs.length;
    report.up += up;
    report.down += batch.runs.length - up;
    report.documents += batch.documents;
    report.written += batch.recorded.metadata;
    ctx.log.info(
      {
        checked: batch.runs.length,
        up,
        documents: batch.documents,
        written: batch.recorded.metadata,
      },
      "chunk_monitored",
    );
  };
  const writer = new HistoryWriter(ctx, {
    service: MONITOR,
    holder: rt.holder,
    checks: p.checks,
    chunkSize: p.chunk_size,
    heartbeat,
    onWritten,
  });
  const timer = setInterval(() => void writer.flush(), FLUSH_MS);
  const check = checkRuntime(rt);
  const running = new Set<Promise<void>>();
  const taken: string[] = [];
  const start = (relay: DueRelay) => {
    const limit = rt.limits.get(relay.network) ?? pLimit(1);
    const task = limit(async () => {
      const generatedAt = ctx.now();
      const started = performance.now();
      const results = await checkOneRelay(check, relay.url, relay.network, ctx.signal);
      const ms = Math.round(performance.now() - started);
      ctx.log.debug({ relay: relay.url, ms, rtt: results.rtt.status }, "relay_checked");
      // A run cut short by shutdown is incomplete: not written (its relay stays due).
      if (!ctx.signal.aborted) writer.add({ relay, generatedAt, results });
    });
    running.add(task);
    void task.finally(() => running.delete(task));
  };
  try {
    let scheduled = 0;
    while (!ctx.signal.aborted && scheduled < cap && writer.error === undefined) {
      while (running.size >= ahead) await Promise.race(running);
      const page = await dueRelays(ctx.db, {
        service: MONITOR,
        ...selection,
        now: ctx.now(),
        limit: Math.min(p.chunk_size, cap - scheduled, ahead - running.size),
        ...(rt.options.relayUrl ? { urls: [rt.options.relayUrl] } : {}),
      });
      if (page.length === 0) break;
      const relays = await takeRelays(rt, ctx, page, selection);
      heartbeat.add(relays.map((r) => r.url));
      for (const relay of relays) {
        taken.push(relay.url);
        start(relay);
      }
      scheduled += relays.length;
      if (rt.options.relayUrl) break;
    }
    await Promise.all(running);
  } finally {
    clearInterval(timer);
    await writer.flush();
    heartbeat.stop();
    await publishing?.close();
    // Leases of runs not written (shutdown, or the database failing) go back at once.
    if (taken.length > 0) await releaseLeases(ctx.db, MONITOR, rt.holder, taken).catch(() => 0);
  }
  if (writer.error !== undefined) throw writer.error;
  if (publishing === undefined) return report;
  const { discovery, skipped, periodic } = publishing.report;
  return { ...report, published: discovery, not_published: skipped, announced: periodic };
}

/**
 * The monitor: checks every relay on an enabled network once per `recheck_interval`
 * (NIP-11 and the NIP-66 checks), keeps each result as content-addressed history and a
 * per-relay checkpoint written together, and shares the relays with other monitor processes
 * through leases.
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
     * Drops leases that ran out (a crashed process's; they are free either way), and the
     * checkpoints and history documents of relays that were deleted.
     */
    async cleanup(ctx) {
      const leases = await deleteExpiredLeases(ctx.db, ctx.now());
      const marks = await deleteOrphanCheckpoints(ctx.db, MONITOR, NAMED_CHECKPOINTS);
      return leases + marks + (await deleteOrphanMetadata(ctx.db));
    },
    runCycle: (ctx) => runMonitor(rt, ctx),
  };
}
