import type { LiveStatus } from "../core/db/service-state/live-status.js";
import type { MonitorStatus } from "../core/db/service-state/monitor-checkpoint.js";
import type { SyncFailure } from "../core/db/service-state/sync-failure.js";
import type { SyncStatus } from "../core/db/service-state/sync-status.js";
import { plural } from "./plural.js";
import { formatTable } from "./table.js";

/** "42s ago", "5m ago", "3h ago", "9d ago". */
export function ago(seconds: number): string {
  if (seconds < 120) return `${seconds}s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86_400)}d ago`;
}

const day = (t: number) => new Date(t * 1000).toISOString().replace(/\.000Z$/, "Z");

/** The synchronizer section of `bigbrotr status` (`within`: what counts as caught up, seconds). */
export function renderSyncStatus(sync: SyncStatus, now: number, within: number): string {
  if (sync.relays === 0) return "synchronizer: no relay has a cursor yet";
  const lines = [
    `synchronizer: ${plural(sync.relays, "relay")} with a cursor, ${sync.caughtUp} caught up (within ${Math.round(within / 60)}m), ${sync.notStarted} not started`,
  ];
  if (sync.oldestUntil !== null)
    lines.push(`oldest cursor: ${ago(now - sync.oldestUntil)} (${sync.oldestUrl})`);
  lines.push(`gaps: ${sync.gaps} on ${plural(sync.relaysWithGaps, "relay")}`);
  if (sync.paths.length > 0) {
    lines.push(
      "",
      formatTable(
        ["sync path", "reason", "relays", "for example", "detail"],
        sync.paths.map((p) => [p.path, p.reason, p.relays, p.example, p.detail.slice(0, 60)]),
      ),
    );
  }
  if (sync.relayLacks > 0) {
    lines.push(
      `ids seen on relays that their NIP-77 sets now lack: ${sync.relayLacks} on ${plural(sync.relaysLacking, "relay")}`,
    );
  }
  if (sync.gapRelays.length > 0) {
    lines.push(
      "",
      formatTable(
        ["relay", "gaps", "latest windows"],
        sync.gapRelays.map((r) => [
          r.url,
          r.gaps,
          r.windows.map((w) => `${day(w.since)}..${day(w.until)} ${w.reason}`).join("; "),
        ]),
      ),
    );
  }
  return lines.join("\n");
}

/** The relays whose last sync run failed, and why (the synchronizer section's tail). */
export function renderSyncFailures(
  f: { total: number; relays: SyncFailure[] },
  now: number,
): string {
  const shown = f.relays.length < f.total ? ` (the ${f.relays.length} latest)` : "";
  return [
    `failing: ${plural(f.total, "relay")}, their last run failed; retried every cycle${shown}`,
    formatTable(
      ["relay", "runs", "last", "reason"],
      f.relays.map((r) => [r.url, r.count, ago(now - r.at), r.reason.slice(0, 80)]),
    ),
  ].join("\n");
}

/** The monitor section of `bigbrotr status` (`within`: what counts as recent, seconds). */
export function renderMonitorStatus(m: MonitorStatus, now: number, within: number): string {
  if (m.checked === 0) return "monitor: no relay checked yet";
  const lines = [
    `monitor: ${m.checked} of ${plural(m.relays, "relay")} checked, ${m.recent} within ${Math.round(within / 60)}m; newest rtt check: ${m.up} up, ${m.readable} readable`,
  ];
  if (m.oldestCheck !== null) lines.push(`least recent check: ${ago(now - m.oldestCheck)}`);
  return lines.join("\n");
}

const ms = (v: number | null) => (v === null ? "–" : `${v} ms`);

/** The live ingest section of `bigbrotr status`: one line per synchronizer process. */
export function renderLiveStatus(live: readonly LiveStatus[], now: number): string {
  if (live.length === 0) return "live ingest: no synchronizer reports live subscriptions";
  const open = live.reduce((n, l) => n + l.open, 0);
  const table = formatTable(
    ["process", "reported", "open", "live ev/s", "backfill ev/s", "lag p50", "lag p95"].concat([
      "reconnects",
      "throttled relays",
      "throttled events",
      "rejected",
    ]),
    live.map((l) => [
      ...[l.holder, ago(now - l.at), l.open, l.liveEventsPerS, l.backfillEventsPerS],
      ...[ms(l.lagP50Ms), ms(l.lagP95Ms), l.reconnects, l.throttledRelays],
      ...[l.throttledEvents, l.rejected],
    ]),
  );
  return [`live ingest: ${open} subscriptions open in ${live.length} processes`, "", table].join(
    "\n",
  );
}
