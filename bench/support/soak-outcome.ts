/** A soak run's figures and checks, from what soak-run.ts collected. */
import type { ApiAnswer } from "./soak-api-load.js";
import type { ArchiveAccount } from "./soak-checks.js";
import type { DoneFault } from "./soak-faults.js";
import {
  apiFigures,
  apiRecoverySeconds,
  isOutage,
  maxOpenFds,
  maxRssMb,
  outageLines,
  recoverySeconds,
  rssGrowthPerHour,
} from "./soak-figures.js";
import type { SoakOptions } from "./soak-run.js";
import type { Supervisor } from "./soak-services.js";

export interface Check {
  name: string;
  value: number | null;
  limit: string;
  ok: boolean;
}

export interface ServiceRow {
  service: string;
  processes: number;
  unexpectedExits: number;
  recoveryMaxS: number | null;
  outageLinesMax: number;
  rssMaxMb: number;
  rssGrowthMbPerHour: number | null;
  openFdsMax: number;
}

export interface SoakOutcome {
  minutes: number;
  faults: boolean;
  injected: Record<string, number>;
  eventsPerS: number;
  relaysPerMin: number;
  services: ServiceRow[];
  account: ArchiveAccount;
  api: ReturnType<typeof apiFigures>;
  stuckLeases: string[];
  /** Counted relays left unvalidated that no relay fault explains. */
  unvalidatedUnexplained: string[];
  /** Why an outage's log lines or recovery were what they were. */
  notes: string[];
  checks: Check[];
  dir?: string;
}

interface Collected {
  o: SoakOptions;
  sup: Supervisor;
  faults: DoneFault[];
  answers: ApiAnswer[];
  account: ArchiveAccount;
  leases: string[];
  rates: { eventsPerS: number; relaysPerMin: number };
  relayUrls: readonly string[];
  t0: number;
  /** When the producers stopped (epoch ms). */
  producedUntil: number;
}

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

function serviceRows(c: Collected, notes: string[]): ServiceRow[] {
  const outages = c.faults.filter(isOutage);
  return [...c.sup.services.values()].map((svc) => {
    let recovery: number | null = 0;
    let lines = 0;
    for (const f of outages) {
      const r = svc.name === "api" ? apiRecoverySeconds(c.answers, f) : recoverySeconds(svc, f);
      if (svc.name !== "seeder" && r !== undefined)
        recovery = r === null || recovery === null ? null : Math.max(recovery, r);
      const said = outageLines(svc, f);
      if (said.length > 2)
        notes.push(`${svc.name} ${f.kind}: ${said.map((l) => l.msg).join(", ")}`);
      lines = Math.max(lines, said.length);
    }
    const growth = rssGrowthPerHour(svc, c.producedUntil);
    return {
      service: svc.name,
      processes: svc.lives.length,
      unexpectedExits: svc.unexpectedExits,
      recoveryMaxS: svc.name === "seeder" || recovery === null ? recovery : round(recovery),
      outageLinesMax: lines,
      rssMaxMb: round(maxRssMb(svc)),
      rssGrowthMbPerHour: growth === null ? null : round(growth),
      openFdsMax: maxOpenFds(svc),
    };
  });
}

function checksOf(out: Omit<SoakOutcome, "checks">): Check[] {
  const rows = out.services;
  const recoveries = rows.filter((r) => r.service !== "seeder").map((r) => r.recoveryMaxS);
  const recovery = recoveries.includes(null) ? null : Math.max(0, ...(recoveries as number[]));
  const growth = rows.flatMap((r) => (r.rssGrowthMbPerHour === null ? [] : [r.rssGrowthMbPerHour]));
  const check = (name: string, value: number | null, limit: string, ok: boolean) => ({
    name,
    value,
    limit,
    ok,
  });
  return [
    check("lost_events", out.account.lostEvents, "= 0", out.account.lostEvents === 0),
    check(
      "duplicated_sightings",
      out.account.duplicatedSightings,
      "= 0",
      out.account.duplicatedSightings === 0,
    ),
    check(
      "statistics_mismatch",
      out.account.statisticsMismatch.length,
      "= 0",
      out.account.statisticsMismatch.length === 0,
    ),
    check("recovery_s_max", recovery, "<= 30", recovery !== null && recovery <= 30),
    check(
      "relays_unvalidated_unexplained",
      out.unvalidatedUnexplained.length,
      "= 0",
      out.unvalidatedUnexplained.length === 0,
    ),
    check("stuck_leases", out.stuckLeases.length, "= 0", out.stuckLeases.length === 0),
    check(
      "rss_growth_mb_per_hour_max",
      growth.length ? Math.max(...growth) : null,
      "<= 10",
      growth.every((g) => g <= 10),
    ),
    check(
      "outage_log_lines_max",
      Math.max(0, ...rows.map((r) => r.outageLinesMax)),
      "<= 2",
      rows.every((r) => r.outageLinesMax <= 2),
    ),
    check("api_5xx", out.api.errors5xx, "= 0 (503 aside)", out.api.errors5xx === 0),
    check("api_hung", out.api.hung, "= 0", out.api.hung === 0),
    check(
      "unexpected_exits",
      rows.reduce((a, r) => a + r.unexpectedExits, 0),
      "= 0",
      rows.every((r) => r.unexpectedExits === 0),
    ),
  ];
}

export function summarise(c: Collected): SoakOutcome {
  const notes: string[] = [];
  const injected: Record<string, number> = {};
  for (const f of c.faults) injected[f.kind] = (injected[f.kind] ?? 0) + 1;
  if (c.account.lostExamples.length > 0) notes.push(`lost: ${c.account.lostExamples.join("; ")}`);
  if (c.account.statisticsMismatch.length > 0)
    notes.push(`statistics differing from a recount: ${c.account.statisticsMismatch.join(", ")}`);
  for (const l of c.leases.slice(0, 5)) notes.push(`lease left: ${l}`);
  const faulted = new Set(
    c.faults.filter((f) => f.kind.startsWith("relay-")).map((f) => c.relayUrls[Number(f.target)]),
  );
  const unexplained = c.account.notValidated.filter((u) => !faulted.has(u));
  for (const u of c.account.notValidated)
    notes.push(`not validated: ${u}${faulted.has(u) ? " (a relay fault hit it)" : ""}`);
  for (const f of c.faults) {
    const target = f.kind.startsWith("relay-") ? c.relayUrls[Number(f.target)] : f.target;
    notes.push(
      `fault ${f.kind} ${target} at ${Math.round((f.start - c.t0) / 1000)} s for ${Math.round((f.end - f.start) / 1000)} s`,
    );
  }
  const base = {
    minutes: c.o.minutes,
    faults: c.o.faults,
    injected,
    eventsPerS: round(c.rates.eventsPerS, 2),
    relaysPerMin: round(c.rates.relaysPerMin),
    services: serviceRows(c, notes),
    account: c.account,
    api: apiFigures(c.answers, c.faults),
    stuckLeases: c.leases,
    unvalidatedUnexplained: unexplained,
    notes,
  };
  return { ...base, checks: checksOf(base) };
}
