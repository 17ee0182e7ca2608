import { z } from "zod";
import { serviceBaseShape } from "../../core/config/schemas.js";

/** `processing:` of validator.yaml. Seconds everywhere. */
const processingSchema = z
  .strictObject({
    /** Candidates fetched, probed and written per transaction. */
    chunk_size: z.int().min(10).max(1000).default(100),
    /** Stop a cycle after this many candidates (unset = until none is due). */
    max_candidates: z.int().min(1).max(10_000_000).optional(),
    /** Delay after a candidate's first failure; doubles with each further failure. */
    retry_interval: z.int().min(60).max(604_800).default(3600),
    /** Ceiling of the doubling delay. */
    max_retry_interval: z.int().min(60).max(2_592_000).default(86_400),
    /** Retry a clearnet relay without certificate verification after a certificate error. */
    allow_insecure: z.boolean().default(false),
    /**
     * Cleanup drops candidates that failed this many times (0 = keep them forever). The
     * original's 720 meant ~30 days of hourly retries; with the default backoff (1 h doubling
     * to 24 h) 35 failures span the same ~30 days.
     */
    max_failures: z.int().min(0).max(1_000_000).default(35),
    /** A probe may take the network's timeout × this factor (connect + first answer). */
    probe_timeout_factor: z.number().min(0.5).max(4).default(1),
  })
  .refine((p) => p.max_retry_interval >= p.retry_interval, {
    path: ["max_retry_interval"],
    message: "must be at least retry_interval",
  })
  .prefault({});

export const validatorConfigSchema = z.strictObject({
  ...serviceBaseShape,
  processing: processingSchema,
});

export type ValidatorConfig = z.output<typeof validatorConfigSchema>;
export type ProcessingConfig = ValidatorConfig["processing"];
