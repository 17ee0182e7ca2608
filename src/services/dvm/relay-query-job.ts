/**
 * Kind 5304, "relay query" (ours; the registry assigns no kind to it, docs/dvm.md): the
 * relays of the relay map that match every given param, in URL order, one page at a time.
 * Params (each optional; a repeated one matches any of its values): network, nip (the relay
 * supports all given), software (substring, any case), country (ISO 3166-1 alpha-2),
 * max_rtt (ms, the newest open RTT), min_uptime (0..1) with uptime_window (24h, 7d, 30d;
 * default 24h), up (true/false: the newest check), consensus (up/down/unknown), limit and
 * after (the last URL of the previous page). The result is JSON:
 * {"relays": [...], "next": URL or null}.
 */
import { type RelaySummary, readRelaySummaries } from "../../core/db/read/relay-summary.js";
import type { JobAnswer, JobEnv } from "./event-count-job.js";
import type { JobRequest } from "./request.js";

export const RELAY_QUERY_KIND = 5304;

type Check = (r: RelaySummary) => boolean;
type Params = JobRequest["params"];
const WINDOWS = ["24h", "7d", "30d"] as const;

function number(params: Params, name: string, min: number, max: number): number | string | null {
  const raw = params.get(name)?.[0];
  if (raw === undefined) return null;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    return `param ${name} must be a number from ${min} to ${max}`;
  }
  return n;
}

function listChecks(params: Params): Check[] {
  const checks: Check[] = [];
  const anyOf = (name: string, get: (r: RelaySummary) => string | null) => {
    const values = params.get(name)?.map((v) => v.toLowerCase());
    if (values) checks.push((r) => values.includes((get(r) ?? "").toLowerCase()));
  };
  anyOf("network", (r) => r.network);
  anyOf("country", (r) => r.country);
  anyOf("consensus", (r) => r.consensus?.state ?? null);
  const nips = params.get("nip")?.map(Number);
  if (nips) checks.push((r) => nips.every((n) => r.nips.includes(n)));
  const software = params.get("software")?.map((v) => v.toLowerCase());
  if (software) {
    checks.push((r) => software.some((s) => (r.software ?? "").toLowerCase().includes(s)));
  }
  return checks;
}

function numberChecks(params: Params): Check[] | string {
  const checks: Check[] = [];
  const maxRtt = number(params, "max_rtt", 0, 3_600_000);
  if (typeof maxRtt === "string") return maxRtt;
  if (maxRtt !== null) checks.push((r) => r.rttOpen !== null && r.rttOpen <= maxRtt);
  const minUptime = number(params, "min_uptime", 0, 1);
  if (typeof minUptime === "string") return minUptime;
  const window = params.get("uptime_window")?.[0] ?? "24h";
  if (!(WINDOWS as readonly string[]).includes(window)) {
    return "param uptime_window must be 24h, 7d or 30d";
  }
  const w = window as (typeof WINDOWS)[number];
  if (minUptime !== null) checks.push((r) => (r.uptime[w] ?? -1) >= minUptime);
  const up = params.get("up")?.[0];
  if (up !== undefined && up !== "true" && up !== "false") return "param up must be true or false";
  if (up !== undefined) checks.push((r) => r.upAtCheck === (up === "true"));
  return checks;
}

function view(r: RelaySummary) {
  return {
    url: r.url,
    network: r.network,
    up: r.upAtCheck,
    checked_at: r.checkedAt,
    rtt_open: r.rttOpen,
    software: r.software,
    version: r.version,
    nips: r.nips,
    country: r.country,
    uptime: r.uptime,
    consensus: r.consensus?.state ?? null,
  };
}

/** Answers a 5304 job from the relay map as of `now`. */
export async function relayQueryJob(
  job: JobRequest,
  env: JobEnv & { maxPageSize: number; now: number },
): Promise<JobAnswer> {
  if ((job.params.get("nip") ?? []).some((v) => !/^\d{1,9}$/.test(v))) {
    return { ok: false, reason: "param nip must be an integer" };
  }
  const numeric = numberChecks(job.params);
  if (typeof numeric === "string") return { ok: false, reason: numeric };
  const limit = number(job.params, "limit", 1, env.maxPageSize) ?? env.maxPageSize;
  if (typeof limit === "string") return { ok: false, reason: limit };
  const checks = [...listChecks(job.params), ...numeric];
  const after = job.params.get("after")?.[0] ?? "";
  const relays = (await readRelaySummaries(env.db, env.now)).filter(
    (r) => r.url > after && checks.every((c) => c(r)),
  );
  const page = relays.slice(0, Math.floor(limit)).map(view);
  const next = relays.length > page.length ? (page.at(-1)?.url ?? null) : null;
  const content = JSON.stringify({ relays: page, next });
  if (Buffer.byteLength(content) > env.maxResultBytes) {
    return {
      ok: false,
      reason: `the page is larger than ${env.maxResultBytes} bytes; ask for a smaller limit`,
    };
  }
  return { ok: true, content };
}
