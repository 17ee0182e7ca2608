/** Relays by status, and by country (with how many of them are up), counted on a snapshot. */
import type { RelaySummary } from "../../core/db/read/relay-summary.js";
import { relayStatus } from "./status.js";

export interface RelayCounts {
  relays: { total: number; up: number; down: number; unknown: number };
  /** Most relays first, ties by country code. */
  countries: { country: string; relays: number; up: number }[];
}

export function relayCounts(
  relays: readonly RelaySummary[],
  now: number,
  maxCheckAge: number,
): RelayCounts {
  const byStatus = { total: 0, up: 0, down: 0, unknown: 0 };
  const countries = new Map<string, { relays: number; up: number }>();
  for (const r of relays) {
    const status = relayStatus(r, now, maxCheckAge);
    byStatus.total += 1;
    byStatus[status] += 1;
    if (r.country === null) continue;
    const entry = countries.get(r.country) ?? { relays: 0, up: 0 };
    entry.relays += 1;
    if (status === "up") entry.up += 1;
    countries.set(r.country, entry);
  }
  return {
    relays: byStatus,
    countries: [...countries]
      .map(([country, v]) => ({ country, ...v }))
      .sort((a, b) => b.relays - a.relays || (a.country < b.country ? -1 : 1)),
  };
}
