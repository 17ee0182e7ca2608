import { z } from "zod";
import { serviceBaseShape } from "../../core/config/schemas.js";

export const refresherConfigSchema = z.strictObject({
  ...serviceBaseShape,
  /** Hourly by default; a cycle costs what changed since the last one, so shorter is fine. */
  interval: serviceBaseShape.interval.removeDefault().default(3600),
  statistics: z
    .strictObject({
      /** Most events, sightings, check snapshots or logged deletions per transaction. */
      chunk_rows: z.int().min(1000).max(10_000_000).default(250_000),
    })
    .prefault({}),
  cleanup: z
    .strictObject({
      /** Delete events no relay carries any more (after a relay or sighting was deleted). */
      orphan_events: z
        .strictObject({
          enabled: z.boolean().default(true),
          /** Candidates checked (and deleted when orphaned) per transaction. */
          batch_size: z.int().min(1).max(100_000).default(1000),
        })
        .prefault({}),
    })
    .prefault({}),
  retention: z
    .strictObject({
      relay_metadata: z
        .strictObject({
          /**
           * Days of check history kept whole (null: keep everything). At least 31, so the
           * API's 30-day uptime windows stay exact.
           */
          keep_days: z.int().min(31).max(36_500).nullable().default(null),
          /**
           * Older history: `downsample` keeps the newest check of each relay, type and UTC
           * day; `drop` keeps only each relay's newest check of each type.
           */
          policy: z.enum(["downsample", "drop"]).default("downsample"),
          /** Snapshots deleted per transaction. */
          batch_size: z.int().min(1).max(1_000_000).default(10_000),
        })
        .prefault({}),
    })
    .prefault({}),
});
export type RefresherConfig = z.output<typeof refresherConfigSchema>;
