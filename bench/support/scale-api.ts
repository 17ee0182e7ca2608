/**
 * bench:scale's API measurements: every /v1 route at a fixed 200 requests a second (the
 * relay list with each filter and each sort, one relay, its history, online, events by id,
 * author, kind, tag, time range and unfiltered, the statistics), each request drawn from
 * what the archive holds (a random relay; the ids, authors and tag values of a sample of
 * stored events, so busy authors are asked for as often as they post), and `/v1/online`
 * and `/health` (the framework's ceiling with one SELECT) as fast as they go. Paths of
 * /openapi.json that no route here covers are returned, to be reported.
 */
import { performance } from "node:perf_hooks";
import type pg from "pg";
import { type Measured, measure } from "./api-load.js";

export interface Samples {
  relays: string[];
  ids: string[];
  authors: string[];
  kinds: number[];
  tags: { e: string[]; p: string[]; t: string[] };
  /** created_at range most events fall in. */
  from: number;
  to: number;
  software: string;
}

type Route = { name: string; template: string; path: () => string };

const pick = <T>(list: readonly T[]) => list[Math.floor(Math.random() * list.length)] as T;
const enc = encodeURIComponent;

const SAMPLE = `
  SELECT encode(id, 'hex') AS id, encode(pubkey, 'hex') AS pk, kind, tags
  FROM event TABLESAMPLE SYSTEM ($1) REPEATABLE (7) LIMIT 5000`;
const FIRST_EVENTS = `
  SELECT encode(id, 'hex') AS id, encode(pubkey, 'hex') AS pk, kind, tags FROM event LIMIT 5000`;

/** What the routes draw from: relays, and about 5,000 stored events (whole pages at random). */
export async function sampleArchive(pool: pg.Pool, events: number, end: number): Promise<Samples> {
  const relays = (await pool.query<{ url: string }>("SELECT url FROM relay")).rows.map(
    (r) => r.url,
  );
  const pct = Math.min(100, Math.max(0.001, (100 * 5000) / Math.max(1, events)));
  type Row = { id: string; pk: string; kind: number; tags: string[][] };
  let { rows } = await pool.query<Row>(SAMPLE, [pct]);
  // A tiny archive can draw no page: then read the events themselves.
  if (rows.length < 100) ({ rows } = await pool.query<Row>(FIRST_EVENTS));
  const tagValues = (name: string) =>
    rows.flatMap((r) => r.tags.filter((t) => t[0] === name && t[1]).map((t) => t[1] as string));
  const software = await pool.query<{ s: string }>(
    `SELECT m.data -> 'data' ->> 'software' AS s FROM metadata m
     WHERE m.type = 'nip11_info' AND m.data -> 'data' ? 'software'
     GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
  );
  return {
    relays,
    ids: rows.map((r) => r.id),
    authors: rows.map((r) => r.pk),
    kinds: rows.map((r) => r.kind),
    tags: { e: tagValues("e"), p: tagValues("p"), t: tagValues("t") },
    from: end - 365 * 86_400,
    to: end,
    software: software.rows[0]?.s ?? "strfry",
  };
}

function relayRoutes(s: Samples): Route[] {
  const list = (name: string, query: string): Route => ({
    name: `relays_${name}`,
    template: "/v1/relays",
    path: () => `/v1/relays?${query}`,
  });
  return [
    ...["url", "rtt", "uptime", "events"].map((sort) => list(`sort_${sort}`, `sort=${sort}`)),
    list("network", "network=tor"),
    list("status_up", "status=up"),
    list("status_down", "status=down"),
    list("nips", "nips=11,42"),
    list("software", `software=${enc(s.software)}`),
    list("country", "country=DE"),
    list("asn", "asn=24940"),
    list("max_rtt", "max_rtt=200&sort=rtt"),
    list("auth_required", "auth_required=true"),
    list("payment_required", "payment_required=true"),
    list("writable", "writable=true&sort=uptime"),
    list("q", "q=relay1"),
    {
      name: "relay",
      template: "/v1/relays/{url}",
      path: () => `/v1/relays/${enc(pick(s.relays))}`,
    },
    {
      name: "history",
      template: "/v1/relays/{url}/history",
      path: () => `/v1/relays/${enc(pick(s.relays))}/history`,
    },
    { name: "online", template: "/v1/online", path: () => "/v1/online" },
    {
      name: "online_nips",
      template: "/v1/online",
      path: () => "/v1/online?nips=11&network=clearnet",
    },
  ];
}

function eventRoutes(s: Samples): Route[] {
  const events = (name: string, query: () => string): Route => ({
    name: `events_${name}`,
    template: "/v1/events",
    path: () => `/v1/events?${query()}`,
  });
  const day = () => s.from + Math.floor(Math.random() * (s.to - s.from - 86_400));
  return [
    events("by_id", () => `ids=${pick(s.ids)}`),
    { name: "event", template: "/v1/events/{id}", path: () => `/v1/events/${pick(s.ids)}` },
    events("by_author", () => `authors=${pick(s.authors)}`),
    events("by_kind", () => `kinds=${pick(s.kinds)}`),
    events("by_tag_t", () => `%23t=${enc(pick(s.tags.t))}`),
    events("by_tag_e", () => `%23e=${pick(s.tags.e)}`),
    events("by_tag_p", () => `%23p=${pick(s.tags.p)}`),
    events("since_until", () => {
      const since = day();
      return `since=${since}&until=${since + 86_400}`;
    }),
    events("recent", () => ""),
    { name: "stats", template: "/v1/stats", path: () => "/v1/stats" },
    // The archive has no candidates (every relay went in through the relay owner): the route's
    // own cost on an empty queue.
    { name: "candidates", template: "/v1/candidates", path: () => "/v1/candidates?limit=50" },
  ];
}

/**
 * Waits until the API answers /health within 100 ms (at most 30 s): slow requests of the
 * previous run still queued in its pool would otherwise be charged to the next route.
 */
async function settle(base: string): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    const t = performance.now();
    await fetch(`${base}/health`);
    if (performance.now() - t < 100) return;
  }
}

export interface ApiRun {
  rows: Measured[];
  /** /v1 paths of the OpenAPI document that no measured route covers. */
  unmeasured: string[];
  /** Relays /v1/online listed before the runs (the up share of the dataset, ~60 %). */
  online: number;
}

/** Measures every route against the API at `base` (each `duration` seconds). */
export async function measureApi(
  base: string,
  s: Samples,
  duration: number,
  log: (line: string) => void,
): Promise<ApiRun> {
  const routes = [...relayRoutes(s), ...eventRoutes(s)];
  const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: object };
  const covered = new Set(routes.map((r) => r.template));
  const unmeasured = Object.keys(doc.paths).filter((p) => p.startsWith("/v1") && !covered.has(p));
  // Warm the relay snapshot and the caches once.
  await fetch(`${base}/v1/relays`);
  await fetch(`${base}/v1/stats`);
  const online = ((await (await fetch(`${base}/v1/online`)).json()) as { count: number }).count;
  const rows: Measured[] = [];
  rows.push(await measure(base, "health", () => "/health", { duration }));
  await settle(base);
  rows.push(await measure(base, "online_max", () => "/v1/online", { duration }));
  for (const route of routes) {
    await settle(base);
    rows.push(await measure(base, route.name, route.path, { duration, rate: 200 }));
    const r = rows.at(-1) as Measured;
    log(`api ${route.name}: p99 ${r.p99} ms, ${r.reqPerS} req/s, ${r.errors} errors`);
  }
  return { rows, unmeasured, online };
}
