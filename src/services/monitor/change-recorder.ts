/**
 * Change detection inside the history transaction: the states of the batch's relays are
 * locked, each run evaluated in check order (a run older than the state it would update is a
 * replica's late write: it changes nothing), the changes stored by their unique key and the
 * states saved, and the alert deliveries they call for queued (monitor.yaml's subscriptions
 * and the stored ones). Commits with the history, so a crash, a restart or a second monitor never
 * stores a change twice or misses one (docs/changes.md).
 */
import { queueAlerts } from "../../core/db/alert-deliveries.js";
import { subscriptionCandidates } from "../../core/db/alert-subscriptions.js";
import type { Db } from "../../core/db/pool.js";
import { EMPTY_STATE } from "../../core/db/relay-change-state.js";
import {
  insertChanges,
  lockChangeStates,
  type StoredChangeState,
  saveChangeStates,
} from "../../core/db/relay-changes.js";
import type { DetectedChange } from "../../models/relay-change.js";
import { alertCandidates } from "./alert-rules.js";
import { detectChanges } from "./change-detection.js";
import type { AlertsConfig, ChangeThresholds } from "./config.js";
import { type RelayResults, storedDocuments } from "./documents.js";

/** What detection needs of a relay's run (history-writer.ts's RelayRun). */
interface RelayRun {
  relay: { url: string };
  generatedAt: number;
  results: RelayResults;
}

export interface RecordedChanges {
  detected: DetectedChange[];
  stored: number;
  /** Alert deliveries queued, and those a cool-down held back. */
  queued: number;
  suppressed: number;
}

/** Detects and stores the changes of `runs` in the caller's transaction `client`. */
export async function recordChanges(
  client: Db,
  runs: readonly RelayRun[],
  relayIds: ReadonlyMap<string, number>,
  thresholds: ChangeThresholds,
  now: number,
  alerts?: AlertsConfig,
): Promise<RecordedChanges> {
  const ids = runs.flatMap((r) => relayIds.get(r.relay.url) ?? []);
  const states = await lockChangeStates(client, ids);
  const updated = new Map<number, StoredChangeState>();
  const detected: DetectedChange[] = [];
  for (const run of [...runs].sort((a, b) => a.generatedAt - b.generatedAt)) {
    const id = relayIds.get(run.relay.url);
    const before = id === undefined ? undefined : (updated.get(id) ?? states.get(id));
    if (id === undefined || before === undefined || run.generatedAt <= before.checkedAt) continue;
    const checked = {
      url: run.relay.url,
      checkedAt: run.generatedAt,
      documents: storedDocuments(run.results),
    };
    const base = before.checkedAt < 0 ? EMPTY_STATE : before.state;
    const { state, changes } = detectChanges(base, checked, thresholds);
    updated.set(id, { checkedAt: run.generatedAt, state });
    detected.push(...changes);
  }
  await saveChangeStates(client, updated);
  const stored = await insertChanges(client, detected, now);
  const urlOf = new Map([...relayIds].map(([url, id]) => [id, url]));
  const candidates = alerts
    ? [...alertCandidates(alerts, stored, urlOf), ...(await subscriptionCandidates(client, stored))]
    : [];
  const counts = await queueAlerts(client, candidates, alerts?.cooldown ?? 0, now);
  return { detected, stored: stored.length, ...counts };
}
