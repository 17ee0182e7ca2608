import type { NetworksConfig } from "../../core/config/schemas.js";
import { deleteOrphanDeliveries } from "../../core/db/alert-deliveries.js";
import { deleteDmCommandsBefore } from "../../core/db/alert-dm-commands.js";
import { type LeasedCycle, type LeasedWork, leasedWork } from "../../core/db/leased-work.js";
import { deleteOrphanMetadata } from "../../core/db/metadata.js";
import { deleteOldPeerData } from "../../core/db/peer-verdicts.js";
import { deleteChangesBefore } from "../../core/db/relay-changes.js";
import { LAST_CYCLE_KEY } from "../../core/db/service-state/last-cycle.js";
import {
  countDueRelays,
  type DueRelay,
  deleteOrphanCheckpoints,
  dueRelays,
} from "../../core/db/service-state/monitor-checkpoint.js";
import { MONITOR } from "../../core/db/service-state/services.js";
import type { CycleReport, Service, ServiceContext } from "../../core/service.js";
import type { ServiceDeps } from "../../core/service-deps.js";
import { NETWORKS, type Network } from "../../models/index.js";
import { createPublisher } from "../../nips/nip01/publish.js";
import { AlertSender, type DmSender } from "./alert-sender.js";
import type { MonitorConfig } from "./config.js";
import { type GeoData, openGeoData } from "./geo-data.js";
import { HistoryWriter, type RelayRun, type WrittenBatch } from "./history-writer.js";
import { monitorMetrics } from "./metrics.js";
import type { MonitorOptions } from "./monitor-options.js";
import { runOperatorInbox } from "./operator-inbox.js";
import { runPeersPhase } from "./peers/phase.js";
import { MonitorPublishing, PERIODIC_CHECKPOINTS } from "./publishing.js";
import { buildCheckRuntime, type CheckRuntime, checkOneRelay } from "./relay-check.js";

export type { MonitorOptions } from "./monitor-options.js";

/** Checkpoints that name no relay: cleanup keeps them. */
const NAMED_CHECKPOINTS = [LAST_CYCLE_KEY, ...PERIODIC_CHECKPOINTS];

/** Finished runs are written at least this often (ms), however few. */
const FLUSH_MS = 2000;

interface Runtime {
  deps: ServiceDeps;
  config: MonitorConfig;
  leases: LeasedWork;
  options: MonitorOptions;
  geo: GeoData | undefined;
}

function checkRuntime(rt: Runtime): CheckRuntime {
  return buildCheckRuntime(rt.deps, rt.config.processing, rt.options, rt.geo);
}

interface Selection {
  networks: Network[];
  checkedBefore: number;
}

async function reportDue(ctx: ServiceContext, selection: Selection): Promise<number> {
  const m = monitorMetrics(ctx.metrics);
  const due = await countDueRelays(ctx.db, selection.networks, selection.checkedBefore);
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

/** The cycle report's counts (a type, not an interface: a CycleReport takes it as it is). */
type MonitorReport = {
  due: number;
  checked: number;
  up: number;
  down: number;
  documents: number;
  written: number;
  changes: number;
};

/** A written batch into the cycle report, the metrics and the publisher. */
function countBatch(
  ctx: ServiceContext,
  report: MonitorReport,
  batch: WrittenBatch,
  publishing: MonitorPublishing | undefined,
): void {
  let up = 0;
  for (const run of batch.runs) {
    if (counted(ctx, run) === "up") up++;
    publishing?.relayChecked(run);
  }
  const checked = batch.runs.length;
  const written = batch.recorded.metadata;
  report.checked += checked;
  report.up += up;
  report.down += checked - up;
  report.documents += batch.documents;
  report.written += written;
  report.changes += batch.changes;
  ctx.log.info({ checked, up, documents: batch.documents, written }, "chunk_monitored");
}

/** Checks one relay; a run cut short by shutdown is incomplete: none (its relay stays due). */
async function checkRelay(
  check: CheckRuntime,
  ctx: ServiceContext,
  relay: DueRelay,
): Promise<RelayRun | undefined> {
  const generatedAt = ctx.now();
  const started = performance.now();
  const results = await checkOneRelay(check, relay.url, relay.network, ctx.signal);
  const ms = Math.round(performance.now() - started);
  ctx.log.debug({ relay: relay.url, ms, rtt: results.rtt.status }, "relay_checked");
  return ctx.signal.aborted ? undefined : { relay, generatedAt, results, durationMs: ms };
}

/**
 * The relays of one cycle as leased work: due relays leased a page at a time, enough taken
 * ahead to keep every network's slots busy (a silent relay holds one slot for its timeout and
 * nothing else), each re-checked as still due once taken, its lease given back once its run
 * is written (history-writer.ts).
 */
function relayCycle(
  rt: Runtime,
  ctx: ServiceContext,
  selection: Selection,
  writer: HistoryWriter,
): LeasedCycle<DueRelay, RelayRun | undefined> {
  const p = rt.config.processing;
  const check = checkRuntime(rt);
  const due = (limit: number, among?: { urls: string[]; holder?: string }) =>
    dueRelays(ctx.db, { ...selection, now: ctx.now(), limit, ...among });
  return {
    key: (relay) => relay.url,
    pageSize: p.chunk_size,
    ahead: Math.max(p.chunk_size, 2 * rt.leases.slots),
    ...(p.max_relays === undefined ? {} : { cap: p.max_relays }),
    list: async (max) => (writer.error === undefined ? due(max) : []),
    // Another process may have just checked them.
    recheck: (taken) =>
      due(taken.length, { urls: taken.map((r) => r.url), holder: rt.leases.holder }),
    work: (relay) => checkRelay(check, ctx, relay),
    settled: (_relay, run) => (run ? writer.add(run) : undefined),
    drain: () => writer.flush(),
    onLost: (lost) => ctx.log.warn({ relays: lost.length }, "monitor_leases_lost"),
  };
}

/** What this cycle's alert DMs are sent with (monitor.yaml's and stored ones), given a key. */
function dmSender(rt: Runtime, ctx: ServiceContext): DmSender | undefined {
  const secretKey = rt.deps.secretKey;
  if (secretKey === undefined) return undefined;
  const publisher = createPublisher({
    timeoutMs: rt.config.alerts.timeout * 1000,
    secretKey,
    allowPrivate: rt.deps.brotr.allow_private,
    signal: ctx.signal,
    ...(rt.options.resolver ? { resolver: rt.options.resolver } : {}),
  });
  return { secretKey, publisher };
}

/**
 * One cycle. Relays flow through continuously (relayCycle); finished runs are written in
 * batches (history-writer.ts). Ends when nothing is due, at the cap, or at shutdown.
 */
async function runMonitor(rt: Runtime, ctx: ServiceContext): Promise<CycleReport> {
  const networks = [...rt.leases.networks];
  const report: MonitorReport = {
    due: 0,
    checked: 0,
    up: 0,
    down: 0,
    documents: 0,
    written: 0,
    changes: 0,
  };
  if (networks.length === 0) {
    ctx.log.warn("no_network_enabled");
    return report;
  }
  rt.geo ??= await openGeoData(rt.config.processing, ctx.log, rt.options);
  const p = rt.config.processing;
  const selection: Selection = { networks, checkedBefore: ctx.now() - p.recheck_interval };
  report.due = await reportDue(ctx, selection);
  const publishing = startPublishing(rt, ctx);
  await publishing?.periodic(networks);
  await runOperatorInbox(rt.deps, rt.config, ctx, rt.options.resolver);
  const dm = dmSender(rt, ctx);
  const secrets = rt.options.alertSecrets ?? new Map();
  const guard = {
    allowPrivate: rt.deps.brotr.allow_private,
    ...(rt.options.resolver ? { resolver: rt.options.resolver } : {}),
  };
  const alerts = new AlertSender(ctx, rt.config.alerts, secrets, dm, guard);
  alerts.kick();
  const writer = new HistoryWriter(ctx, {
    service: MONITOR,
    checks: p.checks,
    chunkSize: p.chunk_size,
    changes: rt.config.changes,
    alerts: rt.config.alerts,
    onWritten: (batch) => {
      countBatch(ctx, report, batch, publishing);
      if (batch.changes > 0) alerts.kick();
    },
  });
  const timer = setInterval(() => {
    void writer.flush();
    alerts.kick();
  }, FLUSH_MS);
  try {
    await rt.leases.runCycle(ctx, relayCycle(rt, ctx, selection, writer));
  } finally {
    clearInterval(timer);
    await publishing?.close();
    alerts.kick();
    await alerts.drain();
    await dm?.publisher.close();
  }
  if (writer.error !== undefined) throw writer.error;
  if (publishing === undefined) return report;
  const { discovery, skipped, periodic } = publishing.report;
  return { ...report, published: discovery, not_published: skipped, announced: periodic };
}

/** brotr.yaml's networks with monitor.yaml's `max_tasks` in place of theirs where it is set. */
function monitorNetworks(
  networks: NetworksConfig,
  maxTasks: MonitorConfig["processing"]["max_tasks"],
): NetworksConfig {
  const out = { ...networks };
  for (const n of NETWORKS) {
    const own = maxTasks[n];
    if (own !== undefined) out[n] = { ...networks[n], max_tasks: own };
  }
  return out;
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
  const rt: Runtime = {
    deps,
    config,
    leases: leasedWork({
      service: MONITOR,
      holder: options.holder ?? deps.instanceId,
      networks: monitorNetworks(deps.brotr.networks, config.processing.max_tasks),
      ttl: config.processing.lease_ttl,
    }),
    options,
    geo: undefined,
  };
  return {
    name: MONITOR,
    /**
     * Drops leases that ran out (a crashed process's; they are free either way), and the
     * checkpoints and history documents of relays that were deleted, the changes past their
     * retention, the operators' DM commands past the inbox lookback and the deliveries of
     * deleted subscriptions.
     */
    async cleanup(ctx) {
      const leases = await rt.leases.cleanup(ctx);
      const marks = await deleteOrphanCheckpoints(ctx.db, NAMED_CHECKPOINTS);
      const horizon = ctx.now() - config.changes.retention_days * 86_400;
      const changes = await deleteChangesBefore(ctx.db, horizon);
      const inbox = ctx.now() - config.alerts.operators.lookback - 86_400;
      const alerts =
        (await deleteDmCommandsBefore(ctx.db, inbox)) + (await deleteOrphanDeliveries(ctx.db));
      const peers = await deleteOldPeerData(ctx.db, ctx.now() - config.peers.retention);
      return leases + marks + changes + alerts + peers + (await deleteOrphanMetadata(ctx.db));
    },
    /** Other monitors' verdicts first (peers/phase.ts), then this cycle's own checks. */
    async runCycle(ctx) {
      const peers = config.peers.enabled
        ? await runPeersPhase(deps, config, ctx, options)
        : undefined;
      return { ...peers, ...(await runMonitor(rt, ctx)) };
    },
  };
}
