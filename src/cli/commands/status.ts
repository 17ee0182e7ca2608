import type { Command } from "commander";
import { countDvmJobs } from "../../core/db/dvm-jobs.js";
import { schemaVersion } from "../../core/db/migrate.js";
import { archiveCoverage, leastCovered } from "../../core/db/read/relay-coverage.js";
import { type LastCycle, readLastCycles } from "../../core/db/service-state/last-cycle.js";
import { type LiveStatus, readLiveStatus } from "../../core/db/service-state/live-status.js";
import {
  type MonitorStatus,
  readMonitorStatus,
} from "../../core/db/service-state/monitor-checkpoint.js";
import { readSyncFailures } from "../../core/db/service-state/sync-failure.js";
import { readSyncStatus, type SyncStatus } from "../../core/db/service-state/sync-status.js";
import { type StatisticsLag, statisticsLag } from "../../core/db/statistics/progress.js";
import { type ArchiveOverview, readOverview } from "../../core/db/status/overview.js";
import type { LogLevel } from "../../core/logger.js";
import { loadBrotrConfig, makeLogger, openDatabase, resolveConfigDir } from "../context.js";
import { renderCoverage } from "../coverage-text.js";
import { logLevelOption } from "../options.js";
import { probeRelay, type RelayProbe, renderRelayProbe } from "../relay-probe.js";
import {
  ago,
  renderLiveStatus,
  renderMonitorStatus,
  renderSyncFailures,
  renderSyncStatus,
} from "../status-text.js";
import { formatTable } from "../table.js";

type SyncFailures = Awaited<ReturnType<typeof readSyncFailures>>;

/** Relays whose last sync run failed, listed at most. */
const FAILURES_SHOWN = 20;

/** Live reports newer than this many seconds are shown (processes write one every few seconds). */
const LIVE_WITHIN = 60;

/** A cursor within this many seconds of now counts as caught up (end_lag plus a cycle or so). */
const CAUGHT_UP_WITHIN = 3600;

/** When the statistics were last brought up to date, and what they have not counted yet. */
function renderStatistics(lag: StatisticsLag, now: number): string {
  if (lag.refreshedAt === null)
    return "statistics: not refreshed yet (the refresher's first cycle)";
  const pending = lag.pendingRows.toLocaleString("en-US");
  return `statistics: refreshed ${ago(now - lag.refreshedAt)}, ${pending} archive rows not counted yet`;
}

function render(
  overview: ArchiveOverview,
  cycles: LastCycle[],
  sync: SyncStatus & { failures: SyncFailures },
  monitor: MonitorStatus,
  lag: StatisticsLag,
  live: readonly LiveStatus[],
  served: { relay: RelayProbe; dvm: Awaited<ReturnType<typeof countDvmJobs>> },
  now: number,
): string {
  const net = formatTable(
    ["network", "candidates", "relays", "monitored"],
    overview.networks.map((n) => [n.network, n.candidates, n.relays, n.monitored]),
  );
  const approx = overview.eventsExact ? "" : " (estimate)";
  const svc = formatTable(
    ["service", "last cycle", "outcome", "duration", "failures in a row"],
    cycles.map((c) => [
      c.service,
      ago(now - c.at),
      c.ok ? "ok" : `failed: ${(c.error ?? "").slice(0, 60)}`,
      `${(c.durationMs / 1000).toFixed(1)}s`,
      c.consecutiveFailures,
    ]),
  );
  return [
    `profile ${overview.profile}, schema version ${overview.schemaVersion}`,
    "",
    net,
    "",
    `events archived: ${overview.events.toLocaleString("en-US")}${approx}`,
    `event-relay observations: ${overview.eventRelays.toLocaleString("en-US")}`,
    `check documents: ${overview.metadata.toLocaleString("en-US")}`,
    renderStatistics(lag, now),
    "",
    cycles.length > 0 ? svc : "no service has completed a cycle yet",
    "",
    renderMonitorStatus(monitor, now, CAUGHT_UP_WITHIN),
    "",
    renderSyncStatus(sync, now, CAUGHT_UP_WITHIN),
    ...(sync.failures.total > 0 ? ["", renderSyncFailures(sync.failures, now)] : []),
    "",
    renderLiveStatus(live, now),
    "",
    renderRelayProbe(served.relay),
    `dvm: jobs ${served.dvm.done} done, ${served.dvm.failed} failed, ${served.dvm.claimed} in progress, ${served.dvm.awaiting_payment} awaiting payment`,
    "",
  ].join("\n");
}

/** Relays shown under "least covered". */
const LEAST_COVERED_SHOWN = 5;

export function registerStatusCommand(program: Command): void {
  program
    .command("status")
    .description(
      "relays known / validated / monitored, events archived, each service's last cycle, sync cursors",
    )
    .option("--config-dir <dir>", "deployment config folder")
    .addOption(logLevelOption())
    .option("--json", "print JSON instead of tables")
    .action(async (flags: { configDir?: string; json?: boolean; logLevel?: LogLevel }) => {
      const configDir = resolveConfigDir(flags.configDir);
      const brotr = await loadBrotrConfig(configDir);
      // Logs on stderr, so that stdout is the report (and --json stays parseable).
      const log = makeLogger(brotr, { logLevel: flags.logLevel ?? "warn" }, process.stderr);
      const db = await openDatabase(brotr, log);
      try {
        const pool = db.pool("bigbrotr-status");
        if ((await schemaVersion(pool)) === 0) {
          const note = "the database has no schema yet: run `bigbrotr migrate`";
          process.stdout.write(
            flags.json ? `${JSON.stringify({ schemaVersion: 0, note })}\n` : `${note}\n`,
          );
          return;
        }
        const now = Math.floor(Date.now() / 1000);
        const [overview, cycles, sync, monitor, statistics, live, relay, dvm] = await Promise.all([
          readOverview(pool),
          readLastCycles(pool),
          readSyncStatus(pool, { now, caughtUpWithin: CAUGHT_UP_WITHIN }),
          readMonitorStatus(pool, { now, recentWithin: CAUGHT_UP_WITHIN }),
          statisticsLag(pool),
          readLiveStatus(pool, now - LIVE_WITHIN),
          probeRelay(configDir, process.env),
          countDvmJobs(pool),
        ]);
        const failures = await readSyncFailures(pool, FAILURES_SHOWN);
        const coverage = await archiveCoverage(pool);
        const least = await leastCovered(pool, LEAST_COVERED_SHOWN);
        process.stdout.write(
          flags.json
            ? `${JSON.stringify({ ...overview, services: cycles, monitor, synchronizer: { ...sync, failures }, live, statistics, coverage: { ...coverage, least }, relay, dvm: { jobs: dvm } }, null, 2)}\n`
            : `${render(overview, cycles, { ...sync, failures }, monitor, statistics, live, { relay, dvm }, now)}${renderCoverage(coverage, least)}\n`,
        );
      } finally {
        await db.close();
      }
    });
}
