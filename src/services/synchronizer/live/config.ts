import { z } from "zod";

const networkSchema = (enabled: boolean, max: number) =>
  z
    .strictObject({
      /** Live subscriptions on this network (the network must be enabled in brotr.yaml too). */
      enabled: z.boolean().default(enabled),
      /** Live subscriptions this process holds at most on this network. */
      max_subscriptions: z.int().min(0).max(100_000).default(max),
    })
    .prefault({});

/**
 * `processing.live:` of synchronizer.yaml: one live subscription per readable relay, beside
 * the windowed cycles (README, "Live ingest"). Seconds unless the name says otherwise.
 */
export const liveSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** A subscription resumes from the newest event it saw less this (at first: now less this). */
    lookback: z.int().min(0).max(86_400).default(60),
    /** …but from no further back than this before now (older gaps are the cycles' work). */
    max_catchup: z.int().min(0).max(604_800).default(900),
    /** Live events written per transaction at most… */
    batch_size: z.int().min(10).max(50_000).default(2000),
    /** …or after this many milliseconds. */
    flush_ms: z.int().min(10).max(10_000).default(200),
    /** Events per second one relay may send live; what it sends beyond is dropped and counted. */
    max_events_per_s: z.number().min(1).max(100_000).default(200),
    /** Events a relay may send at once before the rate applies. */
    burst: z.int().min(1).max(1_000_000).default(1000),
    /** Events waiting for verification and the writer at most; more are dropped and counted. */
    max_pending: z.int().min(100).max(1_000_000).default(50_000),
    /** Reconnect backoff: first delay… */
    reconnect_min: z.number().min(0.1).max(3600).default(1),
    /** …doubling up to this… */
    reconnect_max: z.number().min(1).max(86_400).default(300),
    /** …and back to the first after a subscription that stayed open this long. */
    reconnect_stable: z.number().min(1).max(86_400).default(60),
    /** Seconds a relay's live lease lasts unrenewed: a dead process's relays move on after it. */
    lease_ttl: z.int().min(3).max(3600).default(15),
    /** Seconds between looks for relays to subscribe to (and for leases run out elsewhere). */
    refresh: z.number().min(0.5).max(3600).default(5),
    /** Connections being opened at once, over every network. */
    connect_concurrency: z.int().min(1).max(10_000).default(64),
    networks: z
      .strictObject({
        clearnet: networkSchema(true, 10_000),
        tor: networkSchema(false, 500),
        i2p: networkSchema(false, 200),
        loki: networkSchema(false, 200),
      })
      .prefault({}),
  })
  .refine((l) => l.reconnect_max >= l.reconnect_min, {
    path: ["reconnect_max"],
    message: "must be at least reconnect_min",
  })
  .prefault({});
