/** The soak's tables: per service, then the checks, then notes. */
import type { SoakOutcome } from "./soak-outcome.js";

const cell = (v: unknown) => (v === null || v === undefined ? "n/a" : String(v));

export function printSoak(r: SoakOutcome): void {
  const injected = Object.entries(r.injected)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  console.log(`\n## ${r.minutes} min, ${r.faults ? `faults: ${injected || "none"}` : "no faults"}`);
  console.log(
    `archive: ${r.account.archivedEvents} events, ${r.account.served} served sightings checked; ` +
      `${r.eventsPerS} events/s archived, ${r.relaysPerMin} relays/min checked; ` +
      `API ${r.api.requests} requests, slowest ${r.api.maxMs} ms`,
  );
  console.log(
    "| service | processes | unexpected exits | recovery s | outage lines | RSS max MB | RSS MB/h | fds max |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const s of r.services) {
    const cells = [
      s.service,
      s.processes,
      s.unexpectedExits,
      s.recoveryMaxS,
      s.outageLinesMax,
      s.rssMaxMb,
      s.rssGrowthMbPerHour,
      s.openFdsMax,
    ];
    console.log(`| ${cells.map(cell).join(" | ")} |`);
  }
  console.log("\n| check | value | limit | ok |");
  console.log("|---|---|---|---|");
  for (const c of r.checks) {
    console.log(`| ${c.name} | ${cell(c.value)} | ${c.limit} | ${c.ok ? "yes" : "NO"} |`);
  }
  for (const n of r.notes) console.log(`note: ${n}`);
}
