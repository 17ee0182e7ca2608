/**
 * `bigbrotr dvm`: NIP-90 jobs over the archive (5400 event count) and the relay map (5304
 * relay query), docs/dvm.md. Subscribes to its relays for its job kinds (relay-link.ts),
 * answers each request once across restarts and replicas (job-handler.ts, dvm_job), and
 * announces itself (NIP-89) at start. Serves until ctx.signal aborts.
 */
import pLimit from "p-limit";
import { proxyOf } from "../../core/config/proxy.js";
import { deleteDvmJobsBefore, newestDvmRequest } from "../../core/db/dvm-jobs.js";
import { DVM } from "../../core/db/service-state/services.js";
import { createDbOutage } from "../../core/db-outage.js";
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
import { RelayLink } from "./relay-link.js";
import { handlerEvent, type Signer } from "./responses.js";

export { dvmConfigSchema } from "./config.js";

/** Requests worked on at once by one process. */
const CONCURRENCY = 4;
/** Request ids remembered to skip a second relay's copy without asking the database. */
const SEEN_CAP = 10_000;
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

type Ctx = Pick<ServiceContext, "db" | "log" | "metrics" | "now">;

/** Where a (re)subscription starts: the newest request seen, less the lookback, not too old. */
function resumePoint(config: DvmConfig, ctx: Ctx, seen: { newest: number | null }) {
  return async () => {
    const now = ctx.now();
    const stored = await newestDvmRequest(ctx.db).catch(() => null);
    const newest = Math.max(stored ?? 0, seen.newest ?? 0);
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

/** Starts the DVM's subscriptions on ctx's pool; announces itself once a relay is connected. */
export function startDvm(deps: ServiceDeps, config: DvmConfig, ctx: Ctx): RunningDvm {
  const secretKey = deps.secretKey;
  if (secretKey === undefined) {
    throw new ConfigError("the dvm needs a Nostr key (brotr.yaml nostr.private_key_env)", []);
  }
  const signer: Signer = { secretKey, now: ctx.now };
  const pubkey = derivePubkey(secretKey);
  const metrics = dvmMetrics(ctx.metrics);
  const links: RelayLink[] = [];
  const env: JobHandlerEnv = {
    db: ctx.db,
    config,
    profile: deps.brotr.profile,
    allowPrivate: deps.brotr.allow_private,
    holder: deps.instanceId ?? `dvm:${process.pid}`,
    pubkey,
    signer,
    metrics,
    outage: createDbOutage(ctx.log),
    log: ctx.log,
    publish: (event) => publishAll(links, event, env),
  };
  const slots = pLimit(CONCURRENCY);
  const prune = pruner(config, ctx);
  const seen = new Set<string>();
  const newest = { newest: null as number | null };
  const pending = new Set<Promise<void>>();
  const announced = new Set<string>();
  let connected = 0;
  let markReady = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const linkEnv = {
    kinds: JOB_KINDS,
    timeoutMs: config.timeout * 1000,
    since: resumePoint(config, ctx, newest),
    connect: (url: string, signal: AbortSignal) => {
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
    },
    onEvent(event: NostrEvent) {
      newest.newest = Math.max(newest.newest ?? 0, event.created_at);
      if (seen.has(event.id)) return;
      if (seen.size >= SEEN_CAP) seen.clear();
      seen.add(event.id);
      const p = slots(() => handleJobRequest(event, env).then(prune)).finally(() =>
        pending.delete(p),
      );
      pending.add(p);
    },
    onOpen(url: string, since: number) {
      metrics.connected.set({}, ++connected);
      ctx.log.info({ relay: url, since }, "dvm_subscribed");
      const link = links.find((l) => l.url === url);
      if (link === undefined || announced.has(url)) return;
      announced.add(url);
      const announcement = handlerEvent(config.profile, JOB_KINDS, signer);
      void link.publish(announcement).then((r) => {
        metrics.published.inc({ status: r.ok ? "accepted" : "refused" });
        ctx.log.info({ relay: url, ok: r.ok, message: r.message }, "dvm_announced");
        if (announced.size === links.length) markReady();
      });
    },
    onDrop(url: string, error: Error | undefined) {
      metrics.connected.set({}, Math.max(0, --connected));
      ctx.log.warn({ relay: url, reason: error?.message }, "dvm_relay_lost");
    },
    onFail(url: string, error: Error) {
      ctx.log.debug({ relay: url, reason: error.message }, "dvm_connect_failed");
    },
  };
  for (const url of config.relays) links.push(new RelayLink(url, linkEnv));
  for (const link of links) link.start();
  return {
    pubkey,
    links,
    ready: () => ready,
    idle: async () => {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    close: async () => {
      await Promise.all(links.map((l) => l.stop()));
      while (pending.size > 0) await Promise.all([...pending]);
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
