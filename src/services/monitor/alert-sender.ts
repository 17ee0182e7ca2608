/**
 * Sends the queued alert deliveries (docs/alerts.md) while the monitor runs: a pass claims
 * the due deliveries of this monitor's subscriptions, POSTs each and records the outcome; a
 * failure is retried after `initial_delay · 2^(attempts-1)` seconds (at most `max_delay`)
 * until `max_attempts`, then the delivery is dead (counted). Passes never overlap; `kick`
 * starts one when none runs, `drain` waits for the current one.
 */
import {
  claimDeliveries,
  countDeliveries,
  type Delivery,
  type DeliveryOutcome,
  finishDelivery,
} from "../../core/db/alert-deliveries.js";
import {
  type SubscriptionTarget,
  subscriptionKey,
  subscriptionTargets,
} from "../../core/db/alert-subscriptions.js";
import type { ServiceContext } from "../../core/service.js";
import type { Publisher } from "../../nips/nip01/publish.js";
import { type Resolver, resolvePublicAddress, systemResolver } from "../../utils/dns.js";
import { dmKey, webhookKey } from "./alert-rules.js";
import type { AlertsConfig } from "./config.js";
import { sendDm } from "./dm-sink.js";
import { postWebhook } from "./webhook-sink.js";

/** `checked`: a stored (API-made) webhook, whose host is checked before each POST. */
type Target =
  | { sink: "webhook"; name: string; url: string; secret: string; checked: boolean }
  | { sink: "dm"; name: string; pubkey: string; relays: readonly string[] };

/** A stored subscription as a target (a webhook without its secret: none). */
function storedTarget(s: SubscriptionTarget): Target | undefined {
  const name = subscriptionKey(s.id);
  if (s.sink === "dm" && s.pubkey !== null) {
    return { sink: "dm", name, pubkey: s.pubkey, relays: s.dmRelays };
  }
  if (s.sink === "webhook" && s.url !== null && s.secret !== null) {
    return { sink: "webhook", name, url: s.url, secret: s.secret, checked: true };
  }
  return undefined;
}

/** What DMs are sent with: the monitor's key and a publisher (closed by the caller). */
export interface DmSender {
  secretKey: Uint8Array;
  publisher: Publisher;
}

/** Where stored webhooks may go: private and loopback hosts only when allowed. */
export interface WebhookGuard {
  allowPrivate: boolean;
  resolver?: Resolver;
}

const PAGE = 50;
/** The stored subscriptions are read again at most this often (ms) while passes run. */
const STORED_TTL_MS = 10_000;
/** Seconds a claim lasts: past the longest webhook timeout. */
const CLAIM_SECONDS = 180;

export class AlertSender {
  readonly #ctx: ServiceContext;
  readonly #alerts: AlertsConfig;
  readonly #hooks: Map<string, Target>;
  readonly #dm: DmSender | undefined;
  readonly #guard: WebhookGuard;
  /** The targets as last read, and when (ms): read again at most every STORED_TTL_MS. */
  #stored: { at: number; targets: Map<string, Target> } | undefined;
  #pass: Promise<void> | undefined;
  #again = false;

  /** `secrets`: each webhook's secret by its secret_env name; `dm`: none = no DM sent. */
  constructor(
    ctx: ServiceContext,
    alerts: AlertsConfig,
    secrets: ReadonlyMap<string, string>,
    dm?: DmSender,
    guard: WebhookGuard = { allowPrivate: false },
  ) {
    this.#ctx = ctx;
    this.#alerts = alerts;
    this.#dm = dm;
    this.#guard = guard;
    this.#hooks = new Map();
    for (const hook of alerts.webhooks) {
      const secret = secrets.get(hook.secret_env);
      const { name, url } = hook;
      if (secret === undefined) ctx.log.warn({ subscription: name }, "webhook_without_secret");
      else
        this.#hooks.set(webhookKey(hook), { sink: "webhook", name, url, secret, checked: false });
    }
    for (const d of alerts.dms) {
      if (dm === undefined) ctx.log.warn({ subscription: d.name }, "dm_without_key");
      else {
        const target = { sink: "dm" as const, name: d.name, pubkey: d.pubkey, relays: d.dm_relays };
        this.#hooks.set(dmKey(d), target);
      }
    }
  }

  /** monitor.yaml's targets and the stored subscriptions' (DMs only with a key). */
  async #targets(): Promise<Map<string, Target>> {
    const now = performance.now();
    if (this.#stored && now - this.#stored.at < STORED_TTL_MS) return this.#stored.targets;
    const targets = new Map(this.#hooks);
    for (const s of await subscriptionTargets(this.#ctx.db)) {
      const target = storedTarget(s);
      if (target === undefined || (target.sink === "dm" && this.#dm === undefined)) continue;
      targets.set(target.name, target);
    }
    this.#stored = { at: now, targets };
    return targets;
  }

  kick(): void {
    if (this.#pass) {
      this.#again = true;
      return;
    }
    this.#pass = this.#run().finally(() => {
      this.#pass = undefined;
      if (this.#again) {
        this.#again = false;
        this.kick();
      }
    });
  }

  /** Waits for the current pass, then sets the deliveries gauge (dead = the dead letters). */
  async drain(): Promise<void> {
    while (this.#pass) await this.#pass;
    const counts = await countDeliveries(this.#ctx.db);
    const gauge = this.#ctx.metrics.gauge("brotr_alert_deliveries", "Alert deliveries by status", [
      "status",
    ]);
    for (const status of ["pending", "sent", "dead"]) gauge.set({ status }, counts[status] ?? 0);
  }

  async #run(): Promise<void> {
    try {
      const targets = await this.#targets();
      if (targets.size === 0) return;
      for (;;) {
        if (this.#ctx.signal.aborted) return;
        const due = await claimDeliveries(this.#ctx.db, {
          now: this.#ctx.now(),
          claimSeconds: CLAIM_SECONDS,
          limit: PAGE,
          subscriptions: [...targets.keys()],
        });
        await Promise.all(due.map((d) => this.#send(d, targets)));
        if (due.length < PAGE) return;
      }
    } catch (error) {
      this.#ctx.log.warn({ err: error }, "alert_pass_failed");
    }
  }

  #outcome(d: Delivery, error: string | null): DeliveryOutcome {
    if (error === null) return { status: "sent" };
    if (d.attempts >= this.#alerts.max_attempts) return { status: "dead", error };
    const delay = Math.min(
      this.#alerts.max_delay,
      this.#alerts.initial_delay * 2 ** (d.attempts - 1),
    );
    return { status: "retry", retryAt: this.#ctx.now() + delay, error };
  }

  /** Why a stored webhook's host may not be posted to (private, unresolvable); null: it may. */
  async #refusedHost(url: string): Promise<string | null> {
    if (this.#guard.allowPrivate) return null;
    const host = new URL(url).hostname;
    const resolver = this.#guard.resolver ?? systemResolver;
    const check = await resolvePublicAddress(host, { resolver, allowPrivate: false });
    return check.ok ? null : check.reason;
  }

  async #deliver(d: Delivery, target: Target): Promise<string | null> {
    if (target.sink === "dm") {
      if (this.#dm === undefined) return "no key";
      const { secretKey, publisher } = this.#dm;
      const { pubkey, relays } = target;
      return sendDm({ publisher, secretKey, pubkey, relays, change: d.change });
    }
    const refused = target.checked ? await this.#refusedHost(target.url) : null;
    if (refused !== null) return refused;
    return postWebhook({
      url: target.url,
      secret: target.secret,
      deliveryId: d.id,
      subscription: target.name,
      change: d.change,
      now: this.#ctx.now(),
      timeoutMs: this.#alerts.timeout * 1000,
      signal: this.#ctx.signal,
    });
  }

  async #send(d: Delivery, targets: ReadonlyMap<string, Target>): Promise<void> {
    const target = targets.get(d.subscription);
    if (target === undefined) return;
    const error = await this.#deliver(d, target);
    const outcome = this.#outcome(d, error);
    await finishDelivery(this.#ctx.db, d.id, outcome, this.#ctx.now());
    const m = this.#ctx.metrics.counter("brotr_alert_deliveries_total", "Alert deliveries", [
      "sink",
      "outcome",
    ]);
    m.inc({ sink: target.sink, outcome: outcome.status });
    const fields = {
      subscription: target.name,
      relay: d.change.relayUrl,
      kind: d.change.kind,
    };
    if (outcome.status === "sent") this.#ctx.log.info(fields, "alert_sent");
    else this.#ctx.log.warn({ ...fields, error, attempts: d.attempts }, `alert_${outcome.status}`);
  }
}
