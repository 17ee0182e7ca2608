import { z } from "zod";
import { serviceBaseShape } from "../../core/config/schemas.js";
import { parseJsonPath } from "./json-path.js";

const KIB = 1024;
const MIB = 1024 * KIB;

/** A path expression of the json-path.ts subset, checked when the config is loaded. */
const expressionSchema = z
  .string()
  .default("$[*]")
  .superRefine((expression, ctx) => {
    const parsed = parseJsonPath(expression);
    if (!parsed.ok) ctx.addIssue({ code: "custom", message: `invalid path: ${parsed.error}` });
  });

const sourceUrl = z.string().refine((text) => {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.username === "";
  } catch {
    return false;
  }
}, "must be an http(s) URL without credentials");

/** One HTTP JSON source of relay URLs. */
export const apiSourceSchema = z
  .strictObject({
    url: sourceUrl,
    enabled: z.boolean().default(true),
    /** Picks the URLs out of the JSON document (see json-path.ts). */
    expression: expressionSchema,
    /** Seconds for the whole request, redirects and body included. */
    timeout: z.number().min(0.1).max(120).default(30),
    /** Seconds for name resolution and the SSRF check (must be ≤ timeout). */
    connect_timeout: z.number().min(0.1).max(120).default(10),
    /** A larger body aborts the request. */
    max_response_size: z
      .int()
      .min(KIB)
      .max(50 * MIB)
      .default(5 * MIB),
    /** Retry once without TLS verification on a certificate error. */
    allow_insecure: z.boolean().default(false),
  })
  .superRefine((source, ctx) => {
    if (source.connect_timeout > source.timeout) {
      ctx.addIssue({
        code: "custom",
        path: ["connect_timeout"],
        message: `must be ≤ timeout (${source.timeout})`,
      });
    }
  });
export type ApiSourceConfig = z.output<typeof apiSourceSchema>;

/** nostr.watch's legacy v1 lists: the original's defaults. Unmaintained upstream (#678). */
export const DEFAULT_API_SOURCES = [
  { url: "https://api.nostr.watch/v1/online" },
  { url: "https://api.nostr.watch/v1/offline" },
];

const apiSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    sources: z
      .array(apiSourceSchema)
      .max(100)
      .default(() => DEFAULT_API_SOURCES.map((s) => apiSourceSchema.parse(s)))
      .superRefine((sources, ctx) => {
        const seen = new Set<string>();
        sources.forEach((s, i) => {
          if (seen.has(s.url)) {
            ctx.addIssue({ code: "custom", path: [i, "url"], message: "duplicate source URL" });
          }
          seen.add(s.url);
        });
      }),
    /** Seconds a source is left alone after a successful fetch. */
    cooldown: z.number().min(1).max(604_800).default(86_400),
    /** Seconds between two source fetches. */
    request_delay: z.number().min(0).max(10).default(1),
  })
  .prefault({});

const eventsSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Rows read per query. */
    scan_size: z.int().min(10).max(10_000).default(500),
    /** URLs buffered before candidates are written and the cursor advanced. */
    batch_size: z.int().min(10).max(10_000).default(500),
    /** Seconds the event phase may run in one cycle. */
    max_duration: z.number().min(1).max(86_400).default(600),
    /** Scan only these kinds (all when absent). Widening the list rescans from the start. */
    kinds: z.array(z.int().min(0).max(65_535)).min(1).max(1000).optional(),
  })
  .prefault({});

export const finderConfigSchema = z.strictObject({
  ...serviceBaseShape,
  events: eventsSchema,
  api: apiSchema,
});
export type FinderConfig = z.output<typeof finderConfigSchema>;
