/**
 * `npm run soak [-- --minutes 20 --seed 1 --relays 200 --rate 5 --no-faults --compare --keep
 *   --break delete-sighting]`: the whole observatory for a while, under faults.
 *
 * Starts one embedded PostgreSQL (own temp data folder), a devnet of `--relays` loopback
 * relays whose events keep arriving (`--rate` a second: new ones, late ones with an old
 * created_at, NIP-09 deletions), every service as its own `bigbrotr <service>` process
 * (restarted when it exits, as a supervisor would), a steady read load on the API, and faults on
 * a seeded schedule (support/soak-faults.ts): PostgreSQL stopped or frozen 10–60 s, kill -9 of
 * a random service, a relay killed and restarted with its data, a relay that stalls. After
 * `--minutes` the producers stop, the synchronizer and then the refresher run a cycle from
 * that point, and the archive is accounted for (support/soak-checks.ts). `--no-faults` runs the
 * same without faults; `--compare` runs both and compares events/s archived and relays/min
 * checked. Prints tables and `RESULT {json}`; exits 1 when a check fails (the temp folder with
 * every service's log is then kept and named). `--break delete-sighting` deletes one archived
 * sighting behind the services' back, to show lost_events catches it.
 */
import { rm } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { argValue } from "./support/args.js";
import type { SoakOutcome } from "./support/soak-outcome.js";
import { printSoak } from "./support/soak-report.js";
import { runSoak, type SoakOptions } from "./support/soak-run.js";

const argv = process.argv.slice(2);
const num = (name: string, fallback: number) => Number(argValue(argv, name) ?? fallback);
const breakage = argValue(argv, "--break");
const options: SoakOptions = {
  minutes: num("--minutes", 20),
  seed: num("--seed", 1),
  relays: num("--relays", 200),
  rate: num("--rate", 5),
  faults: !argv.includes("--no-faults"),
  ...(breakage ? { breakage } : {}),
};
const keep = argv.includes("--keep");
const compare = argv.includes("--compare");
const log = (line: string) => console.log(line);
// Ctrl-C or SIGTERM stops the run cleanly: services, relays and PostgreSQL with it.
const stop = new AbortController();
for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => stop.abort());
options.signal = stop.signal;
const load0 = loadavg();

const runs: SoakOutcome[] = [await runSoak(options, log)];
if (compare) runs.push(await runSoak({ ...options, faults: false }, log));
const failed = runs.some((r) => r.checks.some((c) => !c.ok));
for (const r of runs) printSoak(r);
const [faulty, calm] = runs;
const ratio = (a: number, b: number | undefined) => (b ? Math.round((a / b) * 100) / 100 : null);
const result = {
  minutes: options.minutes,
  seed: options.seed,
  relays: options.relays,
  cpus: cpus().length,
  load_avg_start: load0.map((l) => Math.round(l * 100) / 100),
  load_avg_end: loadavg().map((l) => Math.round(l * 100) / 100),
  passed: !failed,
  runs: runs.map((r) => ({
    faults: r.faults,
    injected: r.injected,
    events_per_s: r.eventsPerS,
    relays_per_min: r.relaysPerMin,
    ...Object.fromEntries(r.checks.map((c) => [c.name, c.value])),
    open_fds_max: Math.max(...r.services.map((s) => s.openFdsMax)),
    api_requests: r.api.requests,
    api_503_outside_outages: r.api.unavailableOutsideOutages,
    api_max_ms: r.api.maxMs,
    rss_growth_mb_per_hour: Object.fromEntries(
      r.services.map((s) => [s.service, s.rssGrowthMbPerHour]),
    ),
    failed: r.checks.filter((c) => !c.ok).map((c) => c.name),
  })),
  ...(faulty && calm
    ? {
        events_per_s_ratio: ratio(faulty.eventsPerS, calm.eventsPerS),
        relays_per_min_ratio: ratio(faulty.relaysPerMin, calm.relaysPerMin),
      }
    : {}),
};
for (const r of runs) {
  if (!r.dir) continue;
  if (failed || keep) console.log(`logs and data kept in ${r.dir}`);
  else await rm(r.dir, { recursive: true, force: true });
}
console.log(`RESULT ${JSON.stringify(result)}`);
process.exitCode = failed ? 1 : 0;
