/** relay.yaml: `bigbrotr relay`, the archive as a read-only Nostr relay (docs/relay.md). */
import { z } from "zod";
import { serviceBaseShape } from "../../core/config/schemas.js";

export const relayConfigSchema = z.strictObject({
  ...serviceBaseShape,
  /** Off unless the operator turns it on (the devnet deployment does). */
  enabled: z.boolean().default(false),
  /** A server, not a cycle: the interval only satisfies the shared schema. */
  interval: serviceBaseShape.interval.removeDefault().default(3600),
  /** Every query of the relay is cut off after this many seconds. */
  statement_timeout: z.number().min(0.1).max(600).default(5),
  server: z
    .strictObject({
      host: z.string().min(1).default("127.0.0.1"),
      port: z.int().min(0).max(65_535).default(7447),
      /** NIP-11 `name` and `description` (the profile and limits are added to the latter). */
      name: z.string().max(200).default("bigbrotr archive"),
      description: z
        .string()
        .max(2000)
        .default("A read-only Nostr relay serving a bigbrotr archive."),
      contact: z.string().max(200).optional(),
    })
    .prefault({}),
  limits: z
    .strictObject({
      /** Largest `limit` of one filter (also the limit of a filter without one). */
      max_limit: z.int().min(1).max(100_000).default(5000),
      /** Open subscriptions (REQ) a connection may hold. */
      max_subscriptions: z.int().min(1).max(1000).default(20),
      /** Filters in one REQ or COUNT. */
      max_filters: z.int().min(1).max(100).default(10),
      /** Values in one list of a filter (ids, authors, kinds, each #tag). */
      max_filter_values: z.int().min(1).max(10_000).default(1000),
      /** Largest message a client may send (bytes): a larger one closes the connection. */
      max_message_length: z
        .int()
        .min(1024)
        .max(16 * 1024 * 1024)
        .default(131_072),
      /** Open connections from one address; more are refused at the upgrade (HTTP 429). */
      max_connections_per_ip: z.int().min(1).max(100_000).default(50),
      /** Open subscriptions of all connections from one address. */
      max_subscriptions_per_ip: z.int().min(1).max(1_000_000).default(500),
      /** Open subscriptions of all connections authenticated (NIP-42) with one key. */
      max_subscriptions_per_key: z.int().min(1).max(1_000_000).default(200),
      /** Bytes of client messages one address may send per minute; past them messages are dropped. */
      max_bytes_per_minute_per_ip: z
        .int()
        .min(1024)
        .max(1024 * 1024 * 1024)
        .default(16 * 1024 * 1024),
      /** Open connections in all. */
      max_connections: z.int().min(1).max(1_000_000).default(10_000),
      /** Events a NEG-OPEN may reconcile; more are refused with NEG-ERR "blocked: too many records". */
      max_neg_records: z.int().min(1).max(10_000_000).default(500_000),
      /** Bytes queued to one connection beyond which its live events are dropped and it is told so. */
      max_buffered_bytes: z
        .int()
        .min(65_536)
        .max(1024 * 1024 * 1024)
        .default(4 * 1024 * 1024),
    })
    .prefault({}),
  /** NIP-42: off by default; on, each connection is sent a challenge and may AUTH. */
  auth: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** What needs an authenticated key first (`auth-required:` until then). */
      required_for: z.array(z.enum(["REQ", "COUNT", "NEG"])).default([]),
      /** Only these keys (hex) may do what required_for names (others get `restricted:`); empty: any. */
      allowed_pubkeys: z.array(z.string().regex(/^[0-9a-f]{64}$/)).default([]),
      /** The URL clients reach the relay at (its `relay` tag must name the same host); unset: the Host header. */
      relay_url: z.url({ protocol: /^wss?$/ }).optional(),
      /** How far an AUTH event's created_at may be from now (seconds). */
      window: z.int().min(10).max(86_400).default(600),
    })
    .prefault({})
    .refine((a) => a.enabled || a.required_for.length === 0, {
      message: "required_for needs enabled: true",
    }),
});
export type RelayConfig = z.output<typeof relayConfigSchema>;
export type RelayLimits = RelayConfig["limits"];
