/**
 * Figures from what the services logged and how their processes grew: recovery after each
 * database outage, log lines per outage, RSS growth after warm-up, open descriptors, API
 * answers during and outside outages.
 */
import type { ApiAnswer } from "./soak-api-load.js";
import { type DoneFault, RECOVERY_WINDOW_S } from "./soak-faults.js";
import { type LogLine, PROGRESS, type SupervisedService } from "./soak-services.js";

const INTERVAL_MS = 60_000;
/** A process's first minutes (startup, caches filling) are not growth. */
const RSS_WARMUP_MS = 300_000;
/** Shorter stretches give no meaningful slope (a 2-minute run has none). */
const RSS_MIN_SPAN_MS = 600_000;

export const isOutage = (f: DoneFault) => f.kind === "pg-stop" || f.kind === "pg-freeze";

function cycleStart(l: LogLine): number {
  return l.t - Number(l.fields.durationMs ?? 0);
}

/**
 * Seconds from the database being back to the service's first completed cycle or unit of work
 * (a relay synced, a chunk monitored or validated: each logged after its writes), for a
 * service whose cycle was underway or due while the database was away (a cycle may take
 * longer than the limit by itself); null when it did nothing after, undefined for a service
 * that had nothing to do then (its next cycle was not due yet).
 */
export function recoverySeconds(svc: SupervisedService, f: DoneFault): number | null | undefined {
  const done = svc.lines.filter((l) => l.msg === "cycle_completed");
  const before = done.filter((l) => l.t <= f.start).at(-1);
  const due = before ? cycleStart(before) + INTERVAL_MS : f.start;
  if (due > f.end) return undefined;
  const after = svc.lines.find((l) => l.t > f.end && PROGRESS.has(l.msg));
  return after ? Math.max(0, (after.t - f.end) / 1000) : null;
}

/** First 2xx answer of the API after the outage, in seconds after it ended. */
export function apiRecoverySeconds(answers: readonly ApiAnswer[], f: DoneFault): number | null {
  const ok = answers.find((a) => a.t >= f.end && a.status >= 200 && a.status < 300);
  return ok ? (ok.t - f.end) / 1000 : null;
}

/**
 * Lines about the outage a service wrote while it lasted and in its recovery window: its start
 * and end, errors, and warnings that are not about one relay (those carry a `relay` field).
 */
export function outageLines(svc: SupervisedService, f: DoneFault): LogLine[] {
  const until = f.end + RECOVERY_WINDOW_S * 1000;
  return svc.lines.filter(
    (l) =>
      l.t >= f.start &&
      l.t <= until &&
      (l.level >= 50 ||
        (l.level >= 40 && l.fields.relay === undefined) ||
        l.msg === "database_available"),
  );
}

/** RSS is judged by its floor: the lowest sample of each stretch this long. */
const RSS_WINDOW_MS = 300_000;

/**
 * Growth of a process's RSS floor (MB/h): the least-squares slope through the lowest sample of
 * each 5-minute stretch of the longest life after its warm-up, while the producers ran (`until`:
 * the catch-up restarts are not steady state). V8 grows its heap in steps and gives pages back
 * late, so a slope through every sample follows those steps (a 20-minute run read +36 MB/h for
 * a process whose peaks did not grow); a leak raises the floor, which this follows.
 */
export function rssGrowthPerHour(svc: SupervisedService, until: number): number | null {
  let best: { t: number; rssMb: number }[] = [];
  for (const life of svc.lives) {
    const s = life.samples.filter((x) => x.t >= life.started + RSS_WARMUP_MS && x.t <= until);
    if (spanOf(s) > spanOf(best)) best = s;
  }
  if (spanOf(best) < RSS_MIN_SPAN_MS) return null;
  return slopePerHour(windowMinima(best));
}

function spanOf(s: readonly { t: number }[]): number {
  return s.length > 1 ? (s.at(-1)?.t ?? 0) - (s[0]?.t ?? 0) : 0;
}

/**
 * The lowest sample of each whole window, windows counted from the first sample (a last,
 * partial one has too few samples to show the floor).
 */
export function windowMinima(
  s: readonly { t: number; rssMb: number }[],
  windowMs = RSS_WINDOW_MS,
): { t: number; rssMb: number }[] {
  const t0 = s[0]?.t ?? 0;
  const whole = Math.max(1, Math.floor(spanOf(s) / windowMs));
  const minima = new Map<number, { t: number; rssMb: number }>();
  for (const x of s) {
    const w = Math.floor((x.t - t0) / windowMs);
    if (w >= whole) continue;
    const m = minima.get(w);
    if (m === undefined || x.rssMb < m.rssMb) minima.set(w, x);
  }
  return [...minima.values()];
}

function slopePerHour(points: readonly { t: number; rssMb: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, x) => a + x.t, 0) / n;
  const my = points.reduce((a, x) => a + x.rssMb, 0) / n;
  let num = 0;
  let den = 0;
  for (const x of points) {
    num += (x.t - mx) * (x.rssMb - my);
    den += (x.t - mx) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 3_600_000;
}

export function maxOpenFds(svc: SupervisedService): number {
  let max = 0;
  for (const life of svc.lives) for (const s of life.samples) max = Math.max(max, s.fds);
  return max;
}

export function maxRssMb(svc: SupervisedService): number {
  let max = 0;
  for (const life of svc.lives) for (const s of life.samples) max = Math.max(max, s.rssMb);
  return max;
}

export interface ApiFigures {
  requests: number;
  /** 5xx other than 503, whenever. */
  errors5xx: number;
  /** 503 answers outside database outages (and their recovery windows). */
  unavailableOutsideOutages: number;
  /** Requests with no answer within the load's timeout while the API process was up. */
  hung: number;
  /** Slowest answer, ms. */
  maxMs: number;
}

export function apiFigures(answers: readonly ApiAnswer[], faults: readonly DoneFault[]) {
  const outages = faults.filter(isOutage);
  const inOutage = (t: number) =>
    outages.some((f) => t >= f.start - 1000 && t <= f.end + RECOVERY_WINDOW_S * 1000);
  const figures: ApiFigures = {
    requests: answers.length,
    errors5xx: 0,
    unavailableOutsideOutages: 0,
    hung: 0,
    maxMs: 0,
  };
  for (const a of answers) {
    if (a.status >= 500 && a.status !== 503) figures.errors5xx++;
    if (a.status === 503 && !inOutage(a.t)) figures.unavailableOutsideOutages++;
    if (a.status === 0 && a.ms >= 29_000) figures.hung++;
    if (a.status !== 0) figures.maxMs = Math.max(figures.maxMs, a.ms);
  }
  return figures;
}
