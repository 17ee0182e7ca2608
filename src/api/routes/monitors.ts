/** /v1/monitors and /v1/relays/{url}/monitors: other NIP-66 monitors and what they say. */
import { z } from "@hono/zod-openapi";
import {
  type MonitorProfile,
  type MonitorVerdict,
  readMonitorProfiles,
  readRelayConsensus,
  readRelayVerdicts,
} from "../../core/db/api/monitors.js";
import type { ApiApp, ApiDeps } from "../context.js";
import { jsonWithEtag } from "../json-response.js";
import { cacheFor } from "../middleware.js";
import { canonicalUrl } from "../relays/lookup.js";
import { jsonRoute } from "../schemas.js";

const share = z.number().nullable();
const time = z.int().nullable();

const monitorSchema = z
  .object({
    pubkey: z.string().openapi({ description: "Hex pubkey that signed its events" }),
    announced_at: time.openapi({ description: "Its newest 10166 announcement" }),
    frequency: z.int().nullable().openapi({ description: "Announced seconds between checks" }),
    checks: z.array(z.string()),
    timeouts: z.unknown(),
    networks: z.array(z.string()),
    geohash: z.string().nullable(),
    last_verdict_at: time,
    relays: z.int().openapi({ description: "Relays it has a verdict on (within retention)" }),
    rejected: z.int().openapi({ description: "Its events or verdicts we refused" }),
    consensus_agreement: share.openapi({ description: "Share of its votes the others agree with" }),
    our_agreement: share.openapi({ description: "Share of its votes our own checks agree with" }),
    freshness: share.openapi({ description: "1 when it published within its freshness window" }),
    reliability: share.openapi({ description: "0–1, the weight of its vote; null before scored" }),
    scored_at: time,
  })
  .openapi("Monitor");

const verdictSchema = z
  .object({
    pubkey: z.string(),
    seen_at: z.int().openapi({ description: "created_at of its newest 30166 on the relay" }),
    rtt: z.object({
      open: z.int().nullable(),
      read: z.int().nullable(),
      write: z.int().nullable(),
    }),
    network: z.string().nullable(),
    nips: z.array(z.int()),
    requirements: z.record(z.string(), z.boolean()),
    types: z.array(z.string()),
    geohash: z.string().nullable(),
    reliability: share,
    frequency: z.int().nullable(),
    outlier: z.boolean().openapi({ description: "Its vote or RTT stands out from the rest" }),
  })
  .openapi("MonitorVerdict");

const listRoute = jsonRoute({
  path: "/v1/monitors",
  tags: ["monitors"],
  summary: "Other NIP-66 monitors: profile (10166) and measured reliability, most reliable first",
  request: {},
  ok: ["The monitors", z.object({ monitors: z.array(monitorSchema) })],
  errors: [401, 429, 503, 504],
});

const relayRoute = jsonRoute({
  path: "/v1/relays/{url}/monitors",
  tags: ["monitors"],
  summary:
    "Each monitor's newest verdict on one relay, the consensus, and our own verdict (empty when no monitor covers it)",
  request: {
    params: z.object({
      url: z
        .string()
        .min(1)
        .max(2048)
        .openapi({
          param: { name: "url", in: "path" },
          description: "The relay URL, percent-encoded",
        }),
    }),
  },
  ok: [
    "What the monitors say",
    z.object({
      url: z.string(),
      consensus: z
        .object({
          state: z.enum(["up", "down", "unknown"]),
          monitors: z.int(),
          monitors_up: z.int(),
          up_weight: z.number(),
          down_weight: z.number(),
          median_rtt_open: z.int().nullable(),
          our_state: z.enum(["up", "down"]).nullable(),
          disagreement: z.enum(["false_offline", "false_online"]).nullable(),
          rechecked_at: time,
          computed_at: z.int(),
        })
        .nullable(),
      verdicts: z.array(verdictSchema),
    }),
  ],
  errors: [400, 401, 429, 503, 504],
});

function monitorJson(m: MonitorProfile) {
  return {
    pubkey: m.pubkey,
    announced_at: m.announcedAt,
    frequency: m.frequency,
    checks: m.checks,
    timeouts: m.timeouts,
    networks: m.networks,
    geohash: m.geohash,
    last_verdict_at: m.lastVerdictAt,
    relays: m.relays,
    rejected: m.rejected,
    consensus_agreement: m.consensusAgreement,
    our_agreement: m.ourAgreement,
    freshness: m.freshness,
    reliability: m.reliability,
    scored_at: m.scoredAt,
  };
}

function verdictJson(v: MonitorVerdict) {
  const { seenAt, ...rest } = v;
  return { ...rest, seen_at: seenAt };
}

export function registerMonitors(app: ApiApp, deps: ApiDeps): void {
  app.use("/v1/monitors", cacheFor(deps.config.cache.max_age));
  app.openapi(listRoute, async (c) => {
    const monitors = await readMonitorProfiles(deps.db);
    return jsonWithEtag(c, { monitors: monitors.map(monitorJson) });
  });
  app.openapi(relayRoute, async (c) => {
    const url = canonicalUrl(c.req.valid("param").url);
    const consensus = await readRelayConsensus(deps.db, url);
    const verdicts = await readRelayVerdicts(deps.db, url, consensus?.outliers ?? []);
    return jsonWithEtag(c, {
      url,
      consensus:
        consensus === null
          ? null
          : {
              state: consensus.state,
              monitors: consensus.monitors,
              monitors_up: consensus.monitorsUp,
              up_weight: consensus.upWeight,
              down_weight: consensus.downWeight,
              median_rtt_open: consensus.medianRttOpen,
              our_state: consensus.ourState,
              disagreement: consensus.disagreement,
              rechecked_at: consensus.recheckedAt,
              computed_at: consensus.computedAt,
            },
      verdicts: verdicts.map(verdictJson),
    });
  });
}
