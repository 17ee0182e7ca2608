/**
 * The monitor's peers phase, run before each cycle's checks: read other monitors' newly
 * archived 30166/10166 (ingest.ts), score them and compute each relay's consensus beside our
 * own verdict (consensus.ts), and re-check early the relays we call down while most monitors
 * see them up (a false offline), through the check-now path. The reverse (we say up, most say
 * down) is only recorded and shown.
 */
import {
  falseOfflineDue,
  markRechecked,
  ownVerdicts,
  writeConsensus,
} from "../../../core/db/peer-consensus.js";
import {
  latestPeerVotes,
  peerMonitorWeights,
  writeMonitorScores,
} from "../../../core/db/peer-verdicts.js";
import type { ServiceContext } from "../../../core/service.js";
import type { ServiceDeps } from "../../../core/service-deps.js";
import type { Network } from "../../../models/network.js";
import { derivePubkey } from "../../../utils/keys.js";
import { checkRelayNow } from "../check-now.js";
import type { MonitorConfig } from "../config.js";
import type { MonitorOptions } from "../monitor-options.js";
import { computeConsensus } from "./consensus.js";
import { type IngestReport, ingestPeerEvents } from "./ingest.js";

export type PeersReport = IngestReport & {
  peer_monitors: number;
  consensus_relays: number;
  false_offline: number;
  false_online: number;
  rechecked: number;
};

async function recheckFalseOffline(
  deps: ServiceDeps,
  config: MonitorConfig,
  ctx: ServiceContext,
  options: MonitorOptions,
): Promise<number> {
  const p = config.peers;
  if (p.max_rechecks === 0) return 0;
  const due = await falseOfflineDue(ctx.db, ctx.now() - p.recheck_cooldown, p.max_rechecks);
  let done = 0;
  for (const relay of due) {
    if (ctx.signal.aborted) break;
    const checked = await checkRelayNow(
      deps,
      config,
      ctx,
      {
        url: relay.url,
        network: relay.network as Network,
      },
      options,
    );
    await markRechecked(ctx.db, [relay.url], checked.checkedAt);
    ctx.log.info({ relay: relay.url, rtt: checked.results.rtt.status }, "false_offline_rechecked");
    done++;
  }
  return done;
}

/** One run of the phase; see the module comment. */
export async function runPeersPhase(
  deps: ServiceDeps,
  config: MonitorConfig,
  ctx: ServiceContext,
  options: MonitorOptions = {},
): Promise<PeersReport> {
  const p = config.peers;
  const self = deps.secretKey === undefined ? undefined : derivePubkey(deps.secretKey);
  const ingest = await ingestPeerEvents(ctx, p, { allowPrivate: deps.brotr.allow_private, self });
  const now = ctx.now();
  const votes = await latestPeerVotes(ctx.db, now - p.retention);
  const own = await ownVerdicts(ctx.db, now - 2 * config.processing.recheck_interval);
  const result = computeConsensus(votes, await peerMonitorWeights(ctx.db), own, now, p);
  await writeMonitorScores(ctx.db, result.monitors, now);
  await writeConsensus(ctx.db, result.relays, now);
  const count = (d: string) => result.relays.filter((r) => r.disagreement === d).length;
  const report: PeersReport = {
    ...ingest,
    peer_monitors: result.monitors.length,
    consensus_relays: result.relays.length,
    false_offline: count("false_offline"),
    false_online: count("false_online"),
    rechecked: await recheckFalseOffline(deps, config, ctx, options),
  };
  ctx.log.info(report, "peers_phase_completed");
  return report;
}
