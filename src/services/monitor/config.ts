import { z } from "zod";
import { serviceBaseShape } from "../../core/config/schemas.js";
import { CHANGE_KINDS, type ChangeKind } from "../../models/relay-change.js";
import { NIP66_CHECKS } from "../../nips/nip66/checks.js";

/** Retry of one check: `min(initial · 2^n, max) + U(0, jitter)` seconds between attempts. */
const retrySchema = z
  .strictObject({
    /** Further attempts after a failure (0 = none). */
    retries: z.int().min(0).max(10).default(0),
    initial_delay: z.number().min(0).max(60).default(1),
    max_delay: z.number().min(0).max(600).default(10),
    jitter: z.number().min(0).max(60).default(0.5),
  })
  .refine((r) => r.max_delay >= r.initial_delay, {
    path: ["max_delay"],
    message: "must be at least initial_delay",
  });

type RetryDefaults = { retries: number };

/** A check: on or off, and how often a failure is retried. */
function checkSchema(defaults: RetryDefaults) {
  return z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Store its result as history (off: computed for publishing only). */
      store: z.boolean().default(true),
      retry: retrySchema.prefault({ retries: defaults.retries }),
    })
    .prefault({});
}

const geoSchema = z
  .strictObject({
    /** GeoLite2-City (or any MaxMind-format City) file; default the bundled DB-IP Lite City. */
    city_mmdb: z.string().min(1).optional(),
    /** GeoLite2-ASN file; default the bundled ip-location-db ASN tables. */
    asn_mmdb: z.string().min(1).optional(),
    /**
     * Where the bundled ASN CSVs' compact table is built (once, and again when they change);
     * default a file in the system's temporary directory.
     */
    asn_table: z.string().min(1).optional(),
    /** Characters of the published geohash (1-12). */
    geohash_precision: z.int().min(1).max(12).default(9),
  })
  .prefault({});

export const CHECK_NAMES = ["nip11", ...NIP66_CHECKS] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

const checksSchema = z
  .strictObject({
    nip11: checkSchema({ retries: 2 }),
    rtt: z
      .strictObject({
        enabled: z.boolean().default(true),
        store: z.boolean().default(true),
        retry: retrySchema.prefault({ retries: 1 }),
        /** Publish a probe event and read it back (needs the monitor key). */
        write: z.boolean().default(true),
        /** Kind of the write probe: one relays store (never ephemeral, 20000-29999). */
        write_kind: z
          .int()
          .min(0)
          .max(65_535)
          .refine((k) => k < 20_000 || k >= 30_000, "must not be an ephemeral kind (20000-29999)")
          .default(30_078),
        /** Refuse to mine more NIP-13 proof of work than this (recorded as the relay's policy). */
        max_pow_difficulty: z.int().min(0).max(32).default(20),
      })
      .prefault({}),
    ssl: checkSchema({ retries: 1 }),
    dns: checkSchema({ retries: 1 }),
    geo: checkSchema({ retries: 0 }),
    net: checkSchema({ retries: 0 }),
    http: checkSchema({ retries: 1 }),
  })
  .prefault({});

/** `processing:` of monitor.yaml. Seconds everywhere. */
const processingSchema = z
  .strictObject({
    /** A relay is checked again this long after its last check. */
    recheck_interval: z.int().min(60).max(2_592_000).default(3600),
    /**
     * Relays whose results are written per transaction (also written every few seconds when
     * fewer are done); a crash loses at most the unwritten ones and those being checked.
     */
    chunk_size: z.int().min(1).max(1000).default(100),
    /** Stop a cycle after this many relays (unset = until none is due). */
    max_relays: z.int().min(1).max(10_000_000).optional(),
    /**
     * Relays this monitor checks at once per network, in place of brotr.yaml's
     * `networks.<n>.max_tasks` (which applies where this is unset). The shipped deployments set
     * clearnet 200: a relay that is silent or slow holds its slot for a timeout with one idle
     * socket and no CPU, so slots are bounded by sockets (at most two a relay), not by work;
     * 4,000 silent or dead relays of 10,000 needed that.
     */
    max_tasks: z
      .strictObject({
        clearnet: z.int().min(1).max(1000).optional(),
        tor: z.int().min(1).max(1000).optional(),
        i2p: z.int().min(1).max(1000).optional(),
        loki: z.int().min(1).max(1000).optional(),
      })
      .prefault({}),
    /**
     * Seconds a chunk's leases last without renewal; renewed every third of it while the chunk
     * is checked, so another monitor takes over a crashed one's relays after at most this.
     */
    lease_ttl: z.int().min(10).max(3600).default(90),
    /** Retry a clearnet relay without certificate verification after a certificate error. */
    allow_insecure: z.boolean().default(false),
    /** Largest NIP-11 document read, bytes. */
    nip11_max_bytes: z.int().min(1024).max(16_777_216).default(1_048_576),
    checks: checksSchema,
    geo: geoSchema,
  })
  .prefault({});

const profileSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    interval: z.int().min(60).max(2_592_000).default(86_400),
    name: z.string().max(256).default("BigBrotr Monitor"),
    about: z.string().max(4096).default("Nostr relay monitoring service (NIP-66)"),
    picture: z.string().max(2048).optional(),
    banner: z.string().max(2048).optional(),
    website: z.string().max(2048).optional(),
    nip05: z.string().max(256).optional(),
    lud16: z.string().max(256).optional(),
  })
  .prefault({});

const periodicSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    interval: z.int().min(60).max(2_592_000).default(86_400),
  })
  .prefault({});

const relayUrl = z.string().regex(/^wss?:\/\/\S+$/, "must be a ws:// or wss:// URL");

/** `publishing:` of monitor.yaml: no relays = publishing off. */
const publishingSchema = z
  .strictObject({
    relays: z.array(relayUrl).max(100).default([]),
    /** Kind 30166 per reachable relay checked. */
    discovery: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
    /** Kind 10166: this monitor's announcement. */
    announcement: periodicSchema,
    /** Kind 0. */
    profile: profileSchema,
    /** Kind 10002: where this monitor publishes. */
    relay_list: periodicSchema,
    /** Seconds to wait for a relay's OK. */
    timeout: z.number().min(1).max(120).default(10),
  })
  .prefault({});

/** `changes:` of monitor.yaml: change detection as results are written (docs/changes.md). */
const changesSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Failed opens in a row before a relay is `down`. */
    down_after: z.int().min(1).max(100).default(3),
    /** rtt_open above this (ms) for `rtt_high_checks` checks in a row is `rtt_high`. */
    rtt_high_ms: z.int().min(1).max(600_000).default(3000),
    rtt_high_checks: z.int().min(1).max(100).default(3),
    /** A certificate expiring within this many days is `cert_expiring`. */
    cert_expiry_days: z.int().min(0).max(365).default(14),
    /** Stored changes are deleted this many days after they were stored. */
    retention_days: z.int().min(1).max(3650).default(90),
  })
  .prefault({});

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "must be an environment variable name");
const ALERT_KINDS_DEFAULT: ChangeKind[] = [
  "down",
  "up",
  "cert_expiring",
  "cert_invalid",
  "write_failing",
  "rtt_high",
];

/** A webhook subscription of monitor.yaml (docs/alerts.md). */
const webhookSchema = z.strictObject({
  /** Names the subscription (its cool-downs and deliveries): keep it when editing the rest. */
  name: z.string().regex(/^[a-z0-9_-]{1,64}$/, "must be 1-64 of a-z 0-9 _ -"),
  url: z.string().regex(/^https?:\/\/\S+$/, "must be an http:// or https:// URL"),
  /** Env variable holding the HMAC-SHA256 secret of the signature header. */
  secret_env: envName,
  /** Only these relays (URLs as stored); empty = every relay. */
  relays: z.array(z.string().min(1).max(2048)).max(10_000).default([]),
  kinds: z.array(z.enum(CHANGE_KINDS)).min(1).default(ALERT_KINDS_DEFAULT),
});

/** A Nostr DM subscription of monitor.yaml: NIP-17 gift wraps from the monitor's key. */
const dmSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9_-]{1,64}$/, "must be 1-64 of a-z 0-9 _ -"),
  /** The recipient (lower-case hex). */
  pubkey: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lower-case hex characters"),
  /** Relays the gift wraps are published to (the recipient's DM relays, kind 10050). */
  dm_relays: z.array(relayUrl).min(1).max(10),
  /** Only changes of these relays; empty = every relay. */
  relays: z.array(z.string().min(1).max(2048)).max(10_000).default([]),
  kinds: z.array(z.enum(CHANGE_KINDS)).min(1).default(ALERT_KINDS_DEFAULT),
});

/**
 * `alerts.operators:` a relay operator (the NIP-11 `pubkey`) subscribes to its relay's alerts by
 * DMing the monitor `subscribe <relay url>` (docs/alerts.md). Read once per cycle.
 */
const operatorsSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Where the monitor reads its DMs and sends replies and alerts (kind 10050); default publishing.relays. */
    inbox_relays: z.array(relayUrl).max(10).default([]),
    /** Gift wraps dated up to this long ago are read (NIP-59 back-dates them up to 2 days). */
    lookback: z
      .int()
      .min(3 * 86_400)
      .max(30 * 86_400)
      .default(4 * 86_400),
    /** Gift wraps opened per cycle at most. */
    max_wraps: z.int().min(1).max(10_000).default(500),
    /** Commands one sender may give per hour; more are dropped without an answer. */
    rate_limit: z.int().min(1).max(1000).default(10),
    /** Relays one operator may subscribe to. */
    max_per_pubkey: z.int().min(1).max(1000).default(20),
    kinds: z.array(z.enum(CHANGE_KINDS)).min(1).default(ALERT_KINDS_DEFAULT),
  })
  .prefault({});

/** `alerts:` of monitor.yaml: who is told of which changes, how often at most. */
const alertsSchema = z
  .strictObject({
    /** At most one notification per subscription, kind and relay per this many seconds. */
    cooldown: z
      .int()
      .min(0)
      .max(30 * 86_400)
      .default(3600),
    webhooks: z.array(webhookSchema).max(100).default([]),
    dms: z.array(dmSchema).max(1000).default([]),
    operators: operatorsSchema,
    /** Attempts of one delivery, then it is dead (counted); delays double from initial. */
    max_attempts: z.int().min(1).max(50).default(8),
    initial_delay: z.int().min(1).max(3600).default(10),
    max_delay: z.int().min(1).max(86_400).default(3600),
    /** Seconds a webhook has to answer. */
    timeout: z.number().min(1).max(120).default(10),
  })
  .refine((a) => new Set(a.webhooks.map((w) => w.name)).size === a.webhooks.length, {
    path: ["webhooks"],
    message: "names must be unique",
  })
  .refine((a) => new Set(a.dms.map((w) => w.name)).size === a.dms.length, {
    path: ["dms"],
    message: "names must be unique",
  })
  .prefault({});

/**
 * `peers:` of monitor.yaml: other monitors' NIP-66 verdicts read from the archive, their
 * reliability and the per-relay consensus (services/monitor/peers/). Seconds everywhere.
 */
const peersSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Archived events read per page of the walk. */
    scan_size: z.int().min(10).max(100_000).default(5000),
    /** Time the walk may take per cycle before the rest waits for the next one. */
    max_duration: z.int().min(1).max(3600).default(60),
    /** Newest verdicts kept per (relay, monitor). */
    keep_per_pair: z.int().min(1).max(1000).default(24),
    /** Distinct relays one monitor pubkey may have verdicts for; more are refused. */
    max_relays_per_monitor: z.int().min(1).max(1_000_000).default(50_000),
    /** Verdicts older than this are deleted. */
    retention: z.int().min(3600).max(31_536_000).default(604_800),
    /** A verdict counts as recent for this many of its monitor's check periods. */
    freshness_periods: z.number().min(1).max(100).default(2),
    /** Check period assumed for a monitor that announced none (no valid 10166). */
    default_frequency: z.int().min(60).max(604_800).default(3600),
    /** Monitors that must vote before a relay gets a consensus (else "unknown"). */
    quorum: z.int().min(1).max(1000).default(3),
    /** A vote's RTT this many times above or below the median flags its monitor an outlier. */
    rtt_outlier_factor: z.number().min(1.5).max(1000).default(4),
    /** Early re-checks of false-offline relays per cycle (0 = none). */
    max_rechecks: z.int().min(0).max(1000).default(20),
    /** A relay is re-checked early at most once per this many seconds. */
    recheck_cooldown: z.int().min(60).max(604_800).default(3600),
  })
  .prefault({});

export const monitorConfigSchema = z.strictObject({
  ...serviceBaseShape,
  processing: processingSchema,
  publishing: publishingSchema,
  changes: changesSchema,
  alerts: alertsSchema,
  peers: peersSchema,
});

export type MonitorConfig = z.output<typeof monitorConfigSchema>;
export type MonitorProcessing = MonitorConfig["processing"];
export type MonitorPeers = MonitorConfig["peers"];
export type CheckRetry = z.output<typeof retrySchema>;
export type MonitorChecks = MonitorProcessing["checks"];
export type ChangeThresholds = MonitorConfig["changes"];
export type AlertsConfig = MonitorConfig["alerts"];
export type WebhookSubscription = AlertsConfig["webhooks"][number];
export type DmSubscription = AlertsConfig["dms"][number];
