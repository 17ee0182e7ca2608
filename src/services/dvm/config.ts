/** dvm.yaml: `bigbrotr dvm`, NIP-90 jobs over the archive and the relay map (docs/dvm.md). */
import { z } from "zod";
import { serviceBaseShape } from "../../core/config/schemas.js";

const relayUrl = z.string().regex(/^wss?:\/\/\S+$/, "must be a ws:// or wss:// URL");

export const dvmConfigSchema = z
  .strictObject({
    ...serviceBaseShape,
    /** Off unless the operator turns it on (the devnet deployment does). */
    enabled: z.boolean().default(false),
    /** A subscriber, not a cycle: the interval only satisfies the shared schema. */
    interval: serviceBaseShape.interval.removeDefault().default(3600),
    /** Every query of a job is cut off after this many seconds. */
    statement_timeout: z.number().min(0.1).max(600).default(10),
    /** Relays the DVM listens to for job requests and publishes its answers to. */
    relays: z.array(relayUrl).max(50).default([]),
    /** Seconds to wait for a relay's OK, and for a connection. */
    timeout: z.number().min(0.5).max(120).default(10),
    /** After downtime the subscription resumes from the newest job seen, less this (seconds). */
    resume_lookback: z.int().min(0).max(86_400).default(60),
    /** ...but never from further back than this (seconds): older requests are left unanswered. */
    resume_max_age: z
      .int()
      .min(60)
      .max(30 * 86_400)
      .default(86_400),
    /** Jobs are kept this long (seconds), longer than resume_max_age: a request seen again is answered from its row. */
    retention: z
      .int()
      .min(3600)
      .max(3650 * 86_400)
      .default(30 * 86_400),
    /** Seconds after which a job claimed by a replica that never answered is taken over. */
    claim_timeout: z.int().min(10).max(86_400).default(300),
    /** Jobs one pubkey may have answered per window; more get error feedback. */
    rate_limit: z
      .strictObject({
        jobs: z.int().min(1).max(100_000).default(30),
        window: z.int().min(1).max(86_400).default(60),
      })
      .prefault({}),
    /** Largest result (bytes of the result's content); a larger one is an error feedback. */
    max_result_bytes: z
      .int()
      .min(1024)
      .max(4 * 1024 * 1024)
      .default(65_536),
    /** Relay query (kind 5304): most relays in one page. */
    max_page_size: z.int().min(1).max(10_000).default(500),
    /** NIP-89 handler (31990) profile. */
    profile: z
      .strictObject({
        name: z.string().max(200).default("bigbrotr DVM"),
        about: z
          .string()
          .max(2000)
          .default("Counts events in a bigbrotr archive (5400) and queries its relay map (5304)."),
        /** The 31990's `d` tag (stable across restarts, so the announcement is replaced). */
        d: z.string().min(1).max(200).default("bigbrotr-dvm"),
      })
      .prefault({}),
    /** Priced jobs: the result is released after a NIP-57 zap receipt paying it (docs/dvm.md). */
    pricing: z
      .strictObject({
        enabled: z.boolean().default(false),
        /** The pubkey that signs zap receipts (9735) for the DVM's lightning address. */
        provider: z
          .string()
          .regex(/^[0-9a-f]{64}$/, "must be 64 lower-case hex characters")
          .optional(),
        /** Price per job kind in millisats (a kind not listed is free). */
        amounts: z.record(z.string().regex(/^5\d{3}$/), z.int().min(1)).default({}),
      })
      .prefault({}),
  })
  .refine((c) => !c.enabled || c.relays.length > 0, {
    path: ["relays"],
    message: "an enabled dvm needs at least one relay to listen on",
  })
  .refine((c) => !c.pricing.enabled || c.pricing.provider !== undefined, {
    path: ["pricing", "provider"],
    message: "priced jobs need the zap receipts' signer",
  })
  .refine((c) => c.retention > c.resume_max_age, {
    path: ["retention"],
    message: "must be longer than resume_max_age (a request seen again must find its job)",
  });
export type DvmConfig = z.output<typeof dvmConfigSchema>;
