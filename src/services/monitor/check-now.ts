/**
 * One relay checked now, whatever its checkpoint and whether or not it is a validated relay
 * (`bigbrotr monitor --relay URL`): every check the monitor's config enables, the results
 * returned to be shown. A relay of the archive gets them stored as history as a cycle would;
 * a URL that is not one (a candidate, a typo, a relay never seen) is checked and stored
 * nowhere, so a one-off check never promotes a relay behind the validator's back.
 */
import { relayIdsByUrl } from "../../core/db/relays.js";
import { MONITOR } from "../../core/db/service-state/services.js";
import type { ServiceContext } from "../../core/service.js";
import type { ServiceDeps } from "../../core/service-deps.js";
import type { Network } from "../../models/network.js";
import type { MonitorConfig } from "./config.js";
import type { RelayResults } from "./documents.js";
import { openGeoData } from "./geo-data.js";
import { HistoryWriter } from "./history-writer.js";
import type { MonitorOptions } from "./monitor-options.js";
import { buildCheckRuntime, checkOneRelay } from "./relay-check.js";

export interface RelayCheckNow {
  url: string;
  network: Network;
  /** Unix seconds when the checks started. */
  checkedAt: number;
  /** True when the relay is in the archive and the results were stored as its history. */
  stored: boolean;
  results: RelayResults;
}

/** Checks `relay` with every enabled check; stores the results when it is an archived relay. */
export async function checkRelayNow(
  deps: ServiceDeps,
  config: MonitorConfig,
  ctx: ServiceContext,
  relay: { url: string; network: Network },
  options: MonitorOptions = {},
): Promise<RelayCheckNow> {
  const geo = await openGeoData(config.processing, ctx.log, options);
  const runtime = buildCheckRuntime(deps, config.processing, options, geo);
  const checkedAt = ctx.now();
  const results = await checkOneRelay(runtime, relay.url, relay.network, ctx.signal);
  const known = (await relayIdsByUrl(ctx.db, [relay.url])).has(relay.url);
  const stored = known && !ctx.signal.aborted;
  if (stored) {
    const writer = new HistoryWriter(ctx, {
      service: MONITOR,
      checks: config.processing.checks,
      chunkSize: 1,
      changes: config.changes,
      alerts: config.alerts,
      onWritten: () => {},
    });
    const written = writer.add({
      relay: { ...relay, checkedAt: null },
      generatedAt: checkedAt,
      results,
    });
    await writer.flush();
    await written;
    if (writer.error !== undefined) throw writer.error;
  }
  return { ...relay, checkedAt, stored, results };
}
