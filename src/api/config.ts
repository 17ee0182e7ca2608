/** api.yaml: the read API and explorer server (bind address, limits, keys, caching). */
import { z } from "zod";
import { serviceBaseShape } from "../core/config/schemas.js";

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "must be an environment variable name");

/** A token bucket: `rate` requests a second on average, bursts of up to `burst`. */
const bucketSchema = (rate: number, burst: number) =>
  z
    .strictObject({
      rate: z.number().min(0.01).max(100_000).default(rate),
      burst: z.int().min(1).max(1_000_000).default(burst),
    })
    .prefault({});

export const apiConfigSchema = z.strictObject({
  ...serviceBaseShape,
  /** A server, not a cycle: the interval only satisfies the shared schema. */
  interval: serviceBaseShape.interval.removeDefault().default(3600),
  /** Every query of the API is cut off after this many seconds (brotr.yaml's is for services). */
  statement_timeout: z.number().min(0.1).max(600).default(5),
  server: z
    .strictObject({
      host: z.string().min(1).default("127.0.0.1"),
      port: z.int().min(0).max(65_535).default(8080),
      /** Serve the web explorer at `/`. */
      explorer: z.boolean().default(true),
    })
    .prefault({}),
  limits: z
    .strictObject({
      /** Largest `limit` a page may ask for. */
      max_page_size: z.int().min(1).max(5000).default(500),
      default_page_size: z.int().min(1).max(5000).default(50),
      /**
       * Byte budget of an event page: it ends (with a `next` cursor) before the event that would
       * take its events' JSON past this; always at least one event.
       */
      max_page_bytes: z
        .int()
        .min(1024)
        .max(64 * 1024 * 1024)
        .default(256 * 1024),
      /** Most values in one list of an event filter (ids, authors, kinds, each #tag). */
      max_filter_values: z.int().min(1).max(1000).default(100),
      /** Most distinct #tag keys in one event filter. */
      max_tag_filters: z.int().min(1).max(3).default(3),
      /** Longest history span one request may cover (seconds). */
      max_history_span: z
        .int()
        .min(3600)
        .max(366 * 86_400)
        .default(90 * 86_400),
    })
    .refine((l) => l.default_page_size <= l.max_page_size, {
      path: ["default_page_size"],
      message: "must be at most max_page_size",
    })
    .prefault({}),
  rate_limit: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Per client address. */
      anonymous: bucketSchema(20, 100),
      /** Per API key. */
      keyed: bucketSchema(200, 1000),
      /** Addresses remembered at most (the least recently seen are forgotten first). */
      max_clients: z.int().min(100).max(10_000_000).default(100_000),
    })
    .prefault({}),
  /** Env variable with comma-separated API keys (sent as `X-API-Key` or `Authorization: Bearer`). */
  api_keys_env: envName.optional(),
  cors: z
    .strictObject({
      /** Origins allowed to GET from a browser; ["*"] for any. */
      origins: z.array(z.string().min(1)).default(["*"]),
    })
    .prefault({}),
  cache: z
    .strictObject({
      /** The relay table (list, online set, countries) and /v1/stats are recomputed at most this often (seconds; 0 = every request). */
      relay_snapshot_seconds: z.number().min(0).max(3600).default(30),
      /** Cache-Control max-age of the list routes (seconds). */
      max_age: z.int().min(0).max(86_400).default(30),
      /** Cache-Control max-age of the statistics (they change when the views are refreshed). */
      stats_max_age: z.int().min(0).max(86_400).default(300),
    })
    .prefault({}),
  /** GET /v1/stream: relay changes as Server-Sent Events (docs/changes.md). */
  stream: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** How often the one poller per process reads new changes (ms). */
      poll_ms: z.int().min(50).max(60_000).default(250),
      /** An id missing below newer ones is looked for this long (a late commit), seconds. */
      gap_wait_seconds: z.number().min(0).max(600).default(10),
      /** A comment line every this many seconds keeps proxies from closing an idle stream. */
      heartbeat_seconds: z.number().min(1).max(300).default(15),
      /** Most changes replayed after a Last-Event-ID (the newest of them; older are skipped). */
      backlog: z.int().min(0).max(100_000).default(1000),
      /** Open streams per process. */
      max_streams: z.int().min(1).max(1_000_000).default(2000),
      /** Open streams per client address / per API key. */
      per_client: z
        .strictObject({
          anonymous: z.int().min(0).max(1_000_000).default(5),
          keyed: z.int().min(0).max(1_000_000).default(100),
        })
        .prefault({}),
      /** Events queued for a client that does not read before its stream is closed. */
      max_queued: z.int().min(10).max(1_000_000).default(1000),
    })
    .prefault({}),
  /** POST/GET/DELETE /v1/alerts: alert subscriptions owned by API keys (docs/alerts.md). */
  alerts: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Subscriptions one API key may hold. */
      max_per_key: z.int().min(1).max(10_000).default(50),
      /** Accept webhook URLs on private, loopback and reserved hosts (a LAN, the devnet). */
      allow_private_webhooks: z.boolean().default(false),
    })
    .prefault({}),
  /** A relay whose newest check is older than this counts as neither up nor down (seconds). */
  max_check_age: z
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(86_400),
});
export type ApiConfig = z.output<typeof apiConfigSchema>;
