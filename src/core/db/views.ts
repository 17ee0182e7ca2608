import { escapeIdentifier } from "pg";
import { toError } from "../../models/errors.js";
import { asConnectionLost, classifyDbError } from "./errors.js";
import type { Db } from "./pool.js";
import { exec, maybeOne } from "./sql.js";

/**
 * The statistics materialized views of migration 000003, in refresh order: each view comes
 * after the views it reads (`dependsOn`). The views are created WITH NO DATA, so the first
 * refresh populates them; until then reading one fails with SQLSTATE 55000.
 */
export const STATISTICS_VIEWS = [
  { name: "relay_metadata_latest", dependsOn: [] },
  { name: "event_stats", dependsOn: [] },
  { name: "relay_stats", dependsOn: ["relay_metadata_latest"] },
  { name: "kind_counts", dependsOn: [] },
  { name: "kind_counts_by_relay", dependsOn: [] },
  { name: "pubkey_counts", dependsOn: [] },
  { name: "pubkey_counts_by_relay", dependsOn: [] },
  { name: "network_stats", dependsOn: [] },
  { name: "event_daily_counts", dependsOn: [] },
  { name: "events_replaceable_latest", dependsOn: [] },
  { name: "events_addressable_latest", dependsOn: [] },
  { name: "relay_software_counts", dependsOn: ["relay_metadata_latest"] },
  { name: "supported_nip_counts", dependsOn: ["relay_metadata_latest"] },
] as const satisfies readonly { name: string; dependsOn: readonly string[] }[];

export type StatisticsViewName = (typeof STATISTICS_VIEWS)[number]["name"];

const VIEW_NAMES: ReadonlySet<string> = new Set(STATISTICS_VIEWS.map((v) => v.name));

/** True when `name` is one of the statistics views (use it to validate configuration). */
export function isStatisticsView(name: string): name is StatisticsViewName {
  return VIEW_NAMES.has(name);
}

export interface RefreshOptions {
  /** Refresh without blocking readers (default true); needs the view to be populated. */
  concurrently?: boolean;
}

async function isPopulated(db: Db, name: StatisticsViewName): Promise<boolean> {
  const row = await maybeOne<{ populated: boolean }>(
    db,
    `SELECT c.relispopulated AS populated
       FROM pg_class c
      WHERE c.oid = to_regclass($1) AND c.relkind = 'm'`,
    [name],
  );
  return row?.populated ?? false;
}

/**
 * Refreshes one statistics view and returns how long it took in milliseconds. With
 * `concurrently` (the default) readers are not blocked; a view that was never populated is
 * refreshed plainly instead, since PostgreSQL refuses CONCURRENTLY there.
 */
export async function refreshView(
  db: Db,
  name: StatisticsViewName,
  options: RefreshOptions = {},
): Promise<number> {
  if (!isStatisticsView(name)) throw new TypeError(`not a statistics view: ${String(name)}`);
  const started = performance.now();
  const concurrently = (options.concurrently ?? true) && (await isPopulated(db, name));
  const mode = concurrently ? "CONCURRENTLY " : "";
  await exec(db, `REFRESH MATERIALIZED VIEW ${mode}${escapeIdentifier(name)}`);
  return Math.round(performance.now() - started);
}

export interface ViewRefreshResult {
  name: StatisticsViewName;
  ok: boolean;
  durationMs: number;
  /** Why the refresh failed (a DbError when PostgreSQL refused it). */
  error?: Error;
}

export interface RefreshAllOptions extends RefreshOptions {
  /** Only these views (default all); they are still refreshed in dependency order. */
  views?: readonly StatisticsViewName[];
  /** Called after each view, whether it succeeded or not. */
  onView?(name: StatisticsViewName, result: ViewRefreshResult): void;
}

/**
 * Refreshes the statistics views one after another in dependency order. A view that fails is
 * reported and skipped; the others still run (a dependent view then reads the previous
 * contents of the failed one). When the database cannot be reached at all, the failed view is
 * reported and the ConnectionLost thrown: the remaining views would only fail the same way.
 */
export async function refreshAllViews(
  db: Db,
  options: RefreshAllOptions = {},
): Promise<ViewRefreshResult[]> {
  const unknown = options.views?.filter((v) => !isStatisticsView(v)) ?? [];
  if (unknown.length > 0) throw new TypeError(`not statistics views: ${unknown.join(", ")}`);
  const wanted = options.views ? new Set<string>(options.views) : VIEW_NAMES;
  const refreshOptions: RefreshOptions = {};
  if (options.concurrently !== undefined) refreshOptions.concurrently = options.concurrently;
  const results: ViewRefreshResult[] = [];
  for (const { name } of STATISTICS_VIEWS) {
    if (!wanted.has(name)) continue;
    const started = performance.now();
    let result: ViewRefreshResult;
    try {
      const durationMs = await refreshView(db, name, refreshOptions);
      result = { name, ok: true, durationMs };
    } catch (thrown) {
      const durationMs = Math.round(performance.now() - started);
      const lost = asConnectionLost(thrown);
      result = { name, ok: false, durationMs, error: lost ?? toError(classifyDbError(thrown)) };
      if (lost) {
        options.onView?.(name, result);
        throw lost;
      }
    }
    results.push(result);
    options.onView?.(name, result);
  }
  return results;
}
