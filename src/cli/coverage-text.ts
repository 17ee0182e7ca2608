/** `bigbrotr status`: how much of the relays we hold (relay_coverage, newest measurements). */
import type { ArchiveCoverage, CoverageSummary } from "../core/db/read/relay-coverage.js";
import { formatTable } from "./table.js";

const n = (v: number) => v.toLocaleString("en-US");
const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
const day = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 10);

/** "48,210 of 51,007 (94.5 %)", "500 of 250: the relay counts fewer than we hold", "unknown". */
export function coverageLine(c: CoverageSummary): string {
  if (c.relayCount === null) return `unknown: ${c.reason ?? "no count"}`;
  const of = `${n(c.held)} of ${c.lowerBound ? "at least " : ""}${n(c.relayCount)}`;
  if (c.flag === "undercount") return `${of}: the relay counts fewer than we hold from it`;
  if (c.flag === "ignores_bounds") return `${of}: the relay's count ignores since/until`;
  const approx = c.approximate ? " (approximate)" : "";
  return c.coverage === null ? of : `${of} (${pct(c.coverage)})${approx}`;
}

export function renderCoverage(
  a: ArchiveCoverage,
  least: readonly (CoverageSummary & { url: string })[],
): string {
  if (a.relays === 0) return "coverage: no relay measured yet";
  const total =
    a.coverage === null
      ? "no relay gave a believable count"
      : `we hold ${n(a.held)} of the ${n(a.relayCount)} events they count (${pct(a.coverage)})`;
  const head = `coverage: ${a.measured} relays measured, ${a.flagged} flagged, ${a.unknown} unknown; ${total}`;
  if (least.length === 0) return head;
  const table = formatTable(
    ["least covered", "method", "we hold", "since", "measured"],
    least.map((c) => [c.url, c.method, coverageLine(c), day(c.since), day(c.measuredAt)]),
  );
  return `${head}\n${table}`;
}
