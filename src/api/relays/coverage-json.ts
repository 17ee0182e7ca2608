/**
 * A relay's coverage as the API answers it (snake_case) and its OpenAPI schemas: "we hold
 * `held` of the `relay_count` events the relay counts for our sync filter since `since`",
 * with how it was measured (method) and when; null counts are unknown, never guessed.
 */
import { z } from "@hono/zod-openapi";
import type { CoverageRecord, CoverageSummary } from "../../core/db/read/relay-coverage.js";

export const COVERAGE_METHODS = ["count", "negentropy", "unknown"] as const;

const coverageShape = {
  method: z.enum(COVERAGE_METHODS).openapi({
    description:
      "count: the relay's NIP-45 COUNT for our sync filter against what we hold of it; negentropy: the NIP-77 reconciliation of the windows synced that cycle; unknown: neither (see reason)",
  }),
  coverage: z.number().nullable().openapi({
    description:
      "held / relay_count (0–1); null when unknown, a lower bound, or not believable (flag)",
  }),
  held: z.int().openapi({ description: "Events of this relay we hold, for the filter and window" }),
  relay_count: z
    .int()
    .nullable()
    .openapi({ description: "What the relay says it has; null: unknown" }),
  since: z.int().openapi({ description: "Window compared: created_at from (unix seconds)" }),
  until: z.int().openapi({ description: "…to (inclusive)" }),
  measured_at: z.int(),
  approximate: z.boolean().openapi({ description: "The relay marked its count approximate" }),
  lower_bound: z.boolean().openapi({
    description: "The relay caps its counts and not every window could be checked: at least",
  }),
  flag: z.enum(["undercount", "ignores_bounds"]).nullable().openapi({
    description:
      "undercount: the relay counts fewer than we already hold from it; ignores_bounds: its count ignores since/until",
  }),
  reason: z.string().nullable().openapi({ description: "How it was measured, or why not" }),
};

export const coverageSchema = z.object(coverageShape).nullable().openapi("Coverage", {
  description: "How much of this relay we hold, by its newest measurement; null: never measured",
});

export const coverageRecordSchema = z
  .object({
    ...coverageShape,
    count_requests: z.int(),
    hll: z
      .object({
        authors: z
          .int()
          .openapi({ description: "Distinct authors, estimated from the relay's hll" }),
        error: z.number().openapi({ description: "Relative standard error of that estimate" }),
        authors_held: z
          .int()
          .nullable()
          .openapi({ description: "Distinct authors of what we hold" }),
      })
      .nullable(),
    negentropy: z
      .object({
        need: z.int().openapi({ description: "Ids the relay had and we lacked" }),
        have: z.int().openapi({ description: "Ids we held that the relay lacks" }),
        unfetched: z.int().openapi({ description: "Ids it listed but did not deliver" }),
      })
      .nullable(),
  })
  .openapi("CoverageMeasurement");

export function coverageJson(c: CoverageSummary | null): z.infer<typeof coverageSchema> {
  if (c === null) return null;
  return {
    method: c.method,
    coverage: c.coverage,
    held: c.held,
    relay_count: c.relayCount,
    since: c.since,
    until: c.until,
    measured_at: c.measuredAt,
    approximate: c.approximate,
    lower_bound: c.lowerBound,
    flag: c.flag,
    reason: c.reason,
  };
}

export function coverageRecordJson(c: CoverageRecord): z.infer<typeof coverageRecordSchema> {
  return {
    ...(coverageJson(c) as NonNullable<ReturnType<typeof coverageJson>>),
    count_requests: c.countRequests,
    hll:
      c.hll === null
        ? null
        : { authors: c.hll.authors, error: c.hll.error, authors_held: c.hll.authorsHeld },
    negentropy: c.negentropy,
  };
}
