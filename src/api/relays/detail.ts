/**
 * One relay in full: its summary, the newest result of every check by type, its NIP-11
 * document, the access policy it advertises beside the one its checks measured, and its
 * geolocation (with the credit the data's licence asks for).
 */

import { latestRelayMetadata } from "../../core/db/api/relay-metadata.js";
import type { Db } from "../../core/db/pool.js";
import { coverageHistory } from "../../core/db/read/relay-coverage.js";
import type { RelaySummary } from "../../core/db/read/relay-summary.js";
import { coverageRecordJson } from "./coverage-json.js";
import { GEO_ATTRIBUTION, relayJson } from "./json.js";
import type { RelayStatus } from "./status.js";

interface CheckJson {
  generated_at: number;
  data: unknown;
  logs: unknown;
}

/** The newest check of each type, by type: when it ran, its data and its logs. */
async function newestChecks(db: Db, url: string): Promise<Record<string, CheckJson>> {
  const checks: Record<string, CheckJson> = {};
  for (const m of await latestRelayMetadata(db, [url])) {
    const doc = (m.data ?? {}) as { data?: unknown; logs?: unknown };
    checks[m.metadataType] = {
      generated_at: m.generatedAt,
      data: doc.data ?? {},
      logs: doc.logs ?? {},
    };
  }
  return checks;
}

/** Coverage measurements shown with a relay, newest first. */
const COVERAGE_HISTORY = 10;

/** The RTT check's logs that say how the relay treated our reads and writes. */
const POLICY_LOGS = [
  "read_policy",
  "write_policy",
  "auth",
  "read_reason",
  "write_reason",
  "open_reason",
];

function policyOf(relay: RelaySummary, nip11: Record<string, unknown> | null, rttLogs: unknown) {
  const limitation = nip11?.limitation;
  const logs = (rttLogs ?? {}) as Record<string, unknown>;
  const measured = Object.fromEntries(
    POLICY_LOGS.filter((k) => k in logs).map((k) => [k, logs[k]]),
  );
  return {
    advertised: typeof limitation === "object" && limitation !== null ? limitation : {},
    measured: { writable: relay.writable, ...measured },
  };
}

/** The detail of `relay` (whose status is `status`), as the API answers it. */
export async function relayDetail(db: Db, relay: RelaySummary, status: RelayStatus) {
  const checks = await newestChecks(db, relay.url);
  const history = await coverageHistory(db, relay.url, COVERAGE_HISTORY);
  const nip11 = (checks.nip11_info?.data ?? null) as Record<string, unknown> | null;
  const geo = (checks.nip66_geo?.data ?? null) as Record<string, unknown> | null;
  return {
    ...relayJson(relay, status),
    nip11,
    policy: policyOf(relay, nip11, checks.nip66_rtt?.logs),
    geo,
    checks,
    attribution: geo ? GEO_ATTRIBUTION : null,
    coverage_history: history.map(coverageRecordJson),
  };
}
