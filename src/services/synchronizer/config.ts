import { z } from "zod";
import { serviceBaseShape } from "../../core/config/schemas.js";
import { validateFilter } from "../../models/filter.js";
import { liveSchema } from "./live/config.js";

/** A NIP-01 filter without since/until/limit (the synchronizer sets those per request). */
const filterSchema = z
  .record(z.string(), z.unknown())
  .superRefine((raw, ctx) => {
    for (const key of ["since", "until", "limit", "ids"]) {
      if (key in raw)
        ctx.addIssue({ code: "custom", path: [key], message: "is set by the synchronizer" });
    }
    const checked = validateFilter(raw);
    if (!checked.ok) ctx.addIssue({ code: "custom", message: checked.reason });
  })
  .transform((raw) => {
    const checked = validateFilter(raw);
    return checked.ok ? checked.filter : {};
  });

const timeoutsSchema = z
  .strictObject({
    /** Max silence within one request, seconds. */
    idle: z.number().min(1).max(600).default(15),
    /** Max time from a request to its EOSE, seconds. */
    eose: z.number().min(1).max(600).default(60),
    /** Max time one relay is synced in one cycle, seconds (the rest waits for the next). */
    relay: z.number().min(10).max(86_400).default(3600),
  })
  .prefault({});

/** `processing.negentropy:` NIP-77 sync where relays speak it (path.ts, negentropy.ts). */
const negentropySchema = z
  .strictObject({
    /** Use NIP-77 with relays that list 77 in NIP-11 or answer a probe. */
    enabled: z.boolean().default(true),
    /** A relay we hold nothing of is first filled by REQ windows ("req") or by NIP-77. */
    first_fill: z.enum(["req", "negentropy"]).default("req"),
    /** Our records per session (≈ 40 bytes each in memory); a window with more is halved. */
    max_records: z.int().min(1000).max(5_000_000).default(200_000),
    /** Largest message we send, bytes before hex encoding (relays' frames are twice that). */
    frame_size: z.int().min(4096).max(8_000_000).default(60_000),
    /** Ids asked per REQ when fetching what we lack. */
    ids_per_request: z.int().min(1).max(1000).default(250),
    /** Max wait for a relay not known to speak NIP-77 to answer NEG-OPEN, seconds. */
    probe_timeout: z.number().min(1).max(60).default(5),
    /** A relay found without NIP-77 (or refusing it) is synced by REQ this long, seconds. */
    recheck: z.int().min(0).max(31_536_000).default(604_800),
  })
  .prefault({});

/** `processing.coverage:` how much of each relay we hold (coverage.ts), measured after its sync. */
const coverageSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** A relay is measured at most once in this many seconds. */
    interval: z.int().min(0).max(2_592_000).default(3600),
    /** Max wait for a COUNT answer, seconds (a relay without NIP-45 is often silent). */
    count_timeout: z.number().min(1).max(60).default(5),
    /** COUNT requests per measurement (a capped count is split into clamped windows). */
    max_count_requests: z.int().min(1).max(1000).default(64),
    /** Measurements are kept this many seconds (each relay's newest always). */
    retention: z.int().min(3600).max(31_536_000).default(7_776_000),
  })
  .prefault({});

const overrideSchema = z.strictObject({
  url: z.string().min(1),
  limit: z.int().min(10).max(5000).optional(),
  filter: filterSchema.optional(),
  timeouts: timeoutsSchema.optional(),
});

/** `processing:` of synchronizer.yaml. Seconds everywhere. */
const processingSchema = z
  .strictObject({
    /** What to archive (NIP-01 filter without since/until/limit; `{}` = everything). */
    filter: filterSchema.default({}),
    /** Oldest created_at to fetch. */
    since: z.int().min(0).default(0),
    /** Newest created_at to fetch (unset = now − end_lag). */
    until: z.int().min(0).optional(),
    /** Events asked per request (relays clamp it; the walk learns their real page). */
    limit: z.int().min(10).max(5000).default(500),
    /** Leave the most recent seconds for the next cycle (relays may still be receiving them). */
    end_lag: z.int().min(0).max(604_800).default(300),
    /** Re-scan this many seconds before the cursor each cycle, for events that arrive late. */
    lookback: z.int().min(0).max(2_592_000).default(3600),
    /** Sightings written per transaction… */
    batch_size: z.int().min(100).max(50_000).default(10_000),
    /** …or after this many milliseconds, whichever comes first. */
    flush_ms: z.int().min(50).max(60_000).default(1000),
    /** Sightings waiting for the writer before relay workers are held back. */
    max_queue: z.int().min(1000).max(1_000_000).default(20_000),
    /**
     * …or this many MiB of events (content and tags), whichever comes first; a batch holds at
     * most a quarter of it. Keeps memory flat on relays of large events.
     */
    max_queue_mb: z.int().min(4).max(4096).default(64),
    /** Only relays whose latest NIP-66 RTT check (within max_metadata_age) could read. */
    require_readable: z.boolean().default(true),
    max_metadata_age: z.int().min(60).max(2_592_000).default(86_400),
    /** Retry a clearnet relay without certificate verification after a certificate error. */
    allow_insecure: z.boolean().default(false),
    timeouts: timeoutsSchema,
    negentropy: negentropySchema,
    coverage: coverageSchema,
    /** Live subscriptions beside the windowed cycles (live/config.ts). */
    live: liveSchema,
    /** Per-relay settings for very large or unusual relays. */
    overrides: z.array(overrideSchema).max(10_000).default([]),
  })
  .refine((p) => p.until === undefined || p.until >= p.since, {
    path: ["until"],
    message: "must be at least since",
  })
  .prefault({});

export const synchronizerConfigSchema = z.strictObject({
  ...serviceBaseShape,
  processing: processingSchema,
});

export type SynchronizerConfig = z.output<typeof synchronizerConfigSchema>;
export type SyncProcessing = SynchronizerConfig["processing"];
export type SyncTimeouts = z.output<typeof timeoutsSchema>;
