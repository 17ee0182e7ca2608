/**
 * `bigbrotr dvm`: NIP-90 jobs over the archive (5400 event count) and the relay map (5304
 * relay query), docs/dvm.md. Subscribes to its relays for its job kinds (relay-link.ts),
 * answers each request once across restarts and replicas (job-handler.ts, dvm_job), and
 * announces itself (NIP-89) at start. Serves until ctx.signal aborts.
 */
import { proxyOf } from "../../core/config/proxy.js";
import { deleteDvmJobsBefore, newestDvmRequest } from "../../core/db/dvm-jobs.js";
import { DVM } from "../../core/db/service-state/services.js";
import type { LongRunningService, ServiceContext } from "../../core/service.js";
import type { ServiceDeps } from "../../core/service-deps.js";
import { ConfigError } from "../../models/errors.js";
import type { NostrEvent } from "../../models/event-types.js";
import { parseRelayUrl } from "../../models/relay-url.js";
import { connectRelay } from "../../nips/nip01/connection.js";
import { derivePubkey } from "../../utils/keys.js";
import type { DvmConfig } from "./config.js";
import { handleJobRequest, JOB_KINDS, type JobHandlerEnv } from "./job-handler.js";
import { dvmMetrics } from "./metrics.js";
import { handleZapReceipt, ZAP_RECEIPT_KIND } from "./payment.js";
import { RelayLink, type RelayLinkEnv } from "./relay-link.js";
import { createRequestQueue } from "./request-queue.js";
import { handlerEvent } from "./responses.js";

export { dvmConfigSchema } from "./config.js";

/** Old jobs are deleted at most this often (seconds), on the next request. */
const PRUNE_EVERY = 3600;

/** A running DVM (tests hold it to stop it and to read its key). */
export interface RunningDvm {
  readonly pubkey: string;
  readonly links: readonly RelayLink[];
  /** Resolves once every relay has been subscribed to (and the DVM announced there). */
  ready(): Promise<void>;
  /** Resolves when every request received so far has been handled. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

type Ctx = Pick<ServiceContext, "db" | "log" | "metrics" | "now" | "outage">;

/** Where a (re)subscription starts: the newest request seen, less the lookback, not too old. */
function resumePoint(config: DvmConfig, ctx: Ctx, seen: () => number | null) {
  return async () => {
    const now = ctx.now();
    const stored = await newestDvmRequest(ctx.db).catch(() => null);
    const newest = Math.max(stored ?? 0, seen() ?? 0);
    const from = newest === 0 ? now : Math.min(newest, now);
    return Math.max(from - config.resume_lookback, now - config.resume_max_age);
  };
}

/** Deletes jobs past the retention, at most once every PRUNE_EVERY seconds (never throws). */
function pruner(config: DvmConfig, ctx: Ctx) {
  let last = 0;
  return async () => {
    const now = ctx.now();
    if (now - last < PRUNE_EVERY) return;
    last = now;
    const deleted = await deleteDvmJobsBefore(ctx.db, now - config.retention).catch(() => 0);
    if (deleted > 0) ctx.log.info({ deleted }, "dvm_jobs_pruned");
  };
}

async function publishAll(links: readonly RelayLink[], event: NostrEvent, env: JobHandlerEnv) {
  const results = await Promise.all(links.map((l) => l.publish(event)));
  for (const [i, r] of results.entries()) {
    env.metrics.published.inc({ status: r.ok ? "accepted" : "refused" });
    if (!r.ok) env.log.debug({ relay: links[i]?.url, reason: r.message }, "dvm_publish_refused");
  }
}

/** Opens a connection to one of the DVM's relays (its network's proxy, NIP-42 with its key). */
function connector(deps: ServiceDeps, config: DvmConfig, secretKey: Uint8Array) {
  return (url: string, signal: AbortSignal) => {
    const parsed = parseRelayUrl(url, { allowPrivate: deps.brotr.allow_private });
    if (!parsed.ok) throw new ConfigError(`dvm.yaml relays: ${url} is not a relay URL`, []);
    return connectRelay(url, {
      network: parsed.network,
      ...proxyOf(deps.brotr.networks, parsed.network),
      timeoutMs: config.timeout * 1000,
      allowPrivate: deps.brotr.allow_private,
      signal,
      auth: { secretKey },
    });
  };
}

/** Publishes the NIP-89 announcement on each relay's first subscription; ready once on all. */
function announcer(env: JobHandlerEnv, links: readonly RelayLink[]) {
  const announced = new Set<string>();
  let markReady = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const announce = (link: RelayLink) => {
    if (announced.has(link.url)) return;
    announced.add(link.url);
    const announcement = handlerEvent(env.config.profile, JOB_KINDS, env.signer);
    void link.publish(announcement).then((r) => {
      env.metrics.published.inc({ status: r.ok ? "accepted" : "refused" });
      env.log.info({ relay: link.url, ok: r.ok, message: r.message }, "dvm_announced");
      if (announced.size === links.length) markReady();
    });
  };
  return { announce, ready };
}

function handlerEnv(deps: ServiceDeps, config: DvmConfig, ctx: Ctx, secretKey: Uint8Array) {
  const links: RelayLink[] = [];
  const env: JobHandlerEnv = {
    db: ctx.db,
    config,
    profile: deps.brotr.profile,
    allowPrivate: deps.brotr.allow_private,
    holder: deps.instanceId ?? `dvm:${process.pid}`,
    pubkey: derivePubkey(secretKey),
    signer: { secretKey, now: ctx.now },
    metrics: dvmMetrics(ctx.metrics),
    outage: ctx.outage,
    log: ctx.log,
    publish: (event) => publishAll(links, event, env),
  };
  return { env, links };
}

/** Starts the DVM's subscriptions on ctx's pool; announces itself on each relay. */
export function startDvm(deps: ServiceDeps, config: DvmConfig, ctx: Ctx): RunningDvm {
  const secretKey = deps.secretKey;
  if (secretKey === undefined) {
    throw new ConfigError("the dvm needs a Nostr key (brotr.yaml nostr.private_key_env)", []);
  }
  const { env, links } = handlerEnv(deps, config, ctx, secretKey);
  const prune = pruner(config, ctx);
  const queue = createRequestQueue((event) =>
    event.kind === ZAP_RECEIPT_KIND
      ? handleZapReceipt(event, env).then(() => {})
      : handleJobRequest(event, env).then(prune),
  );
  const { announce, ready } = announcer(env, links);
  let connected = 0;
  const linkEnv: RelayLinkEnv = {
    filters: (since) => [
      { kinds: [...JOB_KINDS], since },
      ...(config.pricing.enabled ? [{ kinds: [ZAP_RECEIPT_KIND], "#p": [env.pubkey], since }] : []),
    ],
    timeoutMs: config.timeout * 1000,
    since: resumePoint(config, ctx, () => queue.newest),
    connect: connector(deps, config, secretKey),
    onEvent: (event) => queue.offer(event),
    onOpen(url, since) {
      env.metrics.connected.set({}, ++connected);
      ctx.log.info({ relay: url, since }, "dvm_subscribed");
      const link = links.find((l) => l.url === url);
      if (link !== undefined) announce(link);
    },
    onDrop(url, error) {
      env.metrics.connected.set({}, Math.max(0, --connected));
      ctx.log.warn({ relay: url, reason: error?.message }, "dvm_relay_lost");
    },
    onFail: (url, error) =>
      ctx.log.debug({ relay: url, reason: error.message }, "dvm_connect_failed"),
  };
  for (const url of config.relays) links.push(new RelayLink(url, linkEnv));
  for (const link of links) link.start();
  return {
    pubkey: env.pubkey,
    links,
    ready: () => ready,
    idle: () => queue.idle(),
    close: async () => {
      await Promise.all(links.map((l) => l.stop()));
      await queue.idle();
    },
  };
}

export function createDvmService(deps: ServiceDeps, config: DvmConfig): LongRunningService {
  return {
    name: DVM,
    async serve(ctx: ServiceContext) {
      const dvm = startDvm(deps, config, ctx);
      ctx.log.info({ pubkey: dvm.pubkey, relays: config.relays.length }, "dvm_started");
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        else ctx.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      await dvm.close();
    },
  };
}
