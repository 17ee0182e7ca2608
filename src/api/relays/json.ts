/** The relay objects the API answers with (snake_case JSON) and their OpenAPI schemas. */
import { z } from "@hono/zod-openapi";
import type { RelaySummary } from "../../core/db/read/relay-summary.js";
import { NETWORKS } from "../../models/network.js";
import { coverageJson, coverageSchema } from "./coverage-json.js";
import type { RelayStatus } from "./status.js";

const nullableNumber = z.number().nullable();

/** The credit the DB-IP Lite licence asks for wherever its geolocation is shown. */
export const GEO_ATTRIBUTION = "IP geolocation by DB-IP (https://db-ip.com), CC BY 4.0";

export const uptimeSchema = z
  .object({ "24h": nullableNumber, "7d": nullableNumber, "30d": nullableNumber })
  .openapi("Uptime", {
    description:
      "Fraction (0–1) of the monitor's checks in each window that found the relay up; null when none ran",
  });

export const CONSENSUS_STATES = ["up", "down", "unknown"] as const;

export const consensusSchema = z
  .object({
    state: z.enum(CONSENSUS_STATES).openapi({
      description:
        "Reliability-weighted majority of the other monitors with a recent verdict; unknown below the quorum",
    }),
    monitors: z.int().openapi({ description: "Monitors voting" }),
    monitors_up: z.int().openapi({ description: "Of which saw the relay up" }),
    median_rtt_open: z
      .int()
      .nullable()
      .openapi({ description: "Median rtt-open they report (ms)" }),
    disagreement: z.enum(["false_offline", "false_online"]).nullable().openapi({
      description:
        "false_offline: we say down, most monitors up (re-checked early); false_online: the reverse",
    }),
  })
  .nullable()
  .openapi("Consensus", {
    description: "What other NIP-66 monitors say; null when none covers it",
  });

export const relaySchema = z
  .object({
    url: z.string(),
    network: z.enum(NETWORKS),
    status: z.enum(["up", "down", "unknown"]).openapi({
      description: "By the newest RTT check; unknown when there is none recent enough",
    }),
    checked_at: z.int().nullable(),
    rtt: z.object({ open: nullableNumber, read: nullableNumber, write: nullableNumber }),
    uptime: uptimeSchema,
    name: z.string().nullable(),
    software: z.string().nullable(),
    version: z.string().nullable(),
    supported_nips: z.array(z.int()),
    auth_required: z.boolean().nullable(),
    payment_required: z.boolean().nullable(),
    restricted_writes: z.boolean().nullable(),
    writable: z
      .boolean()
      .nullable()
      .openapi({ description: "The newest check could write an event" }),
    country: z
      .string()
      .nullable()
      .openapi({ description: "ISO 3166-1 alpha-2 (IP geolocation by DB-IP)" }),
    asn: z.int().nullable(),
    asn_org: z.string().nullable(),
    events_archived: z.int().openapi({ description: "As of the last statistics refresh" }),
    discovered_at: z.int(),
    consensus: consensusSchema,
    coverage: coverageSchema,
  })
  .openapi("Relay");
export type RelayJson = z.infer<typeof relaySchema>;

export function relayJson(r: RelaySummary, status: RelayStatus): RelayJson {
  return {
    url: r.url,
    network: r.network,
    status,
    checked_at: r.checkedAt,
    rtt: { open: r.rttOpen, read: r.rttRead, write: r.rttWrite },
    uptime: r.uptime,
    name: r.name,
    software: r.software,
    version: r.version,
    supported_nips: r.nips,
    auth_required: r.authRequired,
    payment_required: r.paymentRequired,
    restricted_writes: r.restrictedWrites,
    writable: r.writable,
    country: r.country,
    asn: r.asn,
    asn_org: r.asnOrg,
    events_archived: r.events,
    discovered_at: r.discoveredAt,
    consensus:
      r.consensus === null
        ? null
        : {
            state: r.consensus.state,
            monitors: r.consensus.monitors,
            monitors_up: r.consensus.monitorsUp,
            median_rtt_open: r.consensus.medianRttOpen,
            disagreement: r.consensus.disagreement,
          },
    coverage: coverageJson(r.coverage),
  };
}
