/**
 * Per relay: the consensus of other monitors beside our own verdict (peer_consensus), the one
 * owner of that table. Rewritten whole by the monitor's peers phase each cycle; read by the API
 * (core/db/api/monitors.ts).
 */
import type { Db } from "./pool.js";
import { affected, any } from "./sql.js";

export type ConsensusState = "up" | "down" | "unknown";
export type Disagreement = "false_offline" | "false_online";

export interface RelayConsensus {
  relayUrl: string;
  state: ConsensusState;
  /** Monitors with a vote (a recent verdict, or a recent silence on a relay they cover). */
  monitors: number;
  monitorsUp: number;
  upWeight: number;
  downWeight: number;
  medianRttOpen: number | null;
  /** Hex pubkeys whose vote or RTT stands out from the rest. */
  outliers: string[];
  ourState: "up" | "down" | null;
  disagreement: Disagreement | null;
}

/** Our own latest verdict per archived relay (nip66_rtt: up when a connection opened). */
export interface OwnVerdict {
  up: boolean;
  checkedAt: number;
}

export async function ownVerdicts(db: Db, since: number): Promise<Map<string, OwnVerdict>> {
  const rows = await any<{ url: string; up: boolean; at: string }>(
    db,
    `SELECT r.url, relay_up(c.data) AS up, c.generated_at AS at
     FROM relay r
     CROSS JOIN LATERAL relay_latest_check(r.id, 'nip66_rtt') c
     WHERE c.generated_at >= $1`,
    [since],
  );
  return new Map(rows.map((r) => [r.url, { up: r.up, checkedAt: Number(r.at) }]));
}

/** Replaces the table's content with `rows` (a relay no longer voted on loses its row). */
export async function writeConsensus(
  db: Db,
  rows: readonly RelayConsensus[],
  at: number,
): Promise<void> {
  await affected(
    db,
    `INSERT INTO peer_consensus (relay_url, state, monitors, monitors_up, up_weight, down_weight,
                                 median_rtt_open, outliers, our_state, disagreement, computed_at)
     SELECT u.url, u.state, u.n, u.nup, u.upw, u.downw, u.rtt,
            ARRAY(SELECT decode(jsonb_array_elements_text(u.outliers::jsonb), 'hex')),
            u.ours, u.dis, $11
     FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::real[], $6::real[],
                 $7::int[], $8::text[], $9::text[], $10::text[])
       AS u(url, state, n, nup, upw, downw, rtt, outliers, ours, dis)
     ORDER BY 1
     ON CONFLICT (relay_url) DO UPDATE
     SET state = EXCLUDED.state, monitors = EXCLUDED.monitors,
         monitors_up = EXCLUDED.monitors_up, up_weight = EXCLUDED.up_weight,
         down_weight = EXCLUDED.down_weight, median_rtt_open = EXCLUDED.median_rtt_open,
         outliers = EXCLUDED.outliers, our_state = EXCLUDED.our_state,
         disagreement = EXCLUDED.disagreement, computed_at = EXCLUDED.computed_at`,
    [
      rows.map((r) => r.relayUrl),
      rows.map((r) => r.state),
      rows.map((r) => r.monitors),
      rows.map((r) => r.monitorsUp),
      rows.map((r) => r.upWeight),
      rows.map((r) => r.downWeight),
      rows.map((r) => r.medianRttOpen),
      rows.map((r) => JSON.stringify(r.outliers)),
      rows.map((r) => r.ourState),
      rows.map((r) => r.disagreement),
      at,
    ],
  );
  await affected(db, `DELETE FROM peer_consensus WHERE computed_at < $1`, [at]);
}

/**
 * Relays we say are down while most monitors say up, not re-checked early since `since`
 * (nor checked by us since then): the false-offline candidates for an early re-check.
 */
export async function falseOfflineDue(
  db: Db,
  since: number,
  limit: number,
): Promise<{ url: string; network: string }[]> {
  return any<{ url: string; network: string }>(
    db,
    `SELECT r.url, r.network FROM peer_consensus p JOIN relay r ON r.url = p.relay_url
     WHERE p.disagreement = 'false_offline' AND coalesce(p.rechecked_at, 0) < $1
     ORDER BY p.up_weight DESC, r.url LIMIT $2`,
    [since, limit],
  );
}

export async function markRechecked(db: Db, urls: readonly string[], at: number): Promise<void> {
  await affected(db, `UPDATE peer_consensus SET rechecked_at = $2 WHERE relay_url = ANY($1)`, [
    urls,
    at,
  ]);
}
