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
import type { ServiceContext } from "../../core/service.js";
import type { Publisher } from "../../nips/nip01/publish.js";
import { dmKey, webhookKey } from "./alert-rules.js";
import type { AlertsConfig, DmSubscription, WebhookSubscription } from "./config.js";
import { sendDm } from "./dm-sink.js";
import { postWebhook } from "./webhook-sink.js";

type Target =
  | { sink: "webhook"; name: string; hook: WebhookSubscription; secret: string }
  | { sink: "dm"; name: string; dm: DmSubscription };

/** What DMs are sent with: the monitor's key and a publisher (closed by the caller). */
export interface DmSender {
  secretKey: Uint8Array;
  publisher: Publisher;
}

const PAGE = 50;
/** Seconds a claim lasts: past the longest webhook timeout. */
const CLAIM_SECONDS = 180;

export class AlertSender {
  readonly #ctx: ServiceContext;
  readonly #alerts: AlertsConfig;
  readonly #hooks: Map<string, Target>;
  readonly #dm: DmSender | undefined;
  #pass: Promise<void> | undefined;
  #again = false;

  /** `secrets`: each webhook's secret by its secret_env name; `dm`: none = no DM sent. */
  constructor(
    ctx: ServiceContext,
    alerts: AlertsConfig,
    secrets: ReadonlyMap<string, string>,
    dm?: DmSender,
  ) {
    this.#ctx = ctx;
    this.#alerts = alerts;
    this.#dm = dm;
    this.#hooks = new Map();
    for (const hook of alerts.webhooks) {
      const secret = secrets.get(hook.secret_env);
      if (secret === undefined) ctx.log.warn({ subscription: hook.name }, "webhook_without_secret");
      else this.#hooks.set(webhookKey(hook), { sink: "webhook", name: hook.name, hook, secret });
    }
    for (const d of alerts.dms) {
      if (dm === undefined) ctx.log.warn({ subscription: d.name }, "dm_without_key");
      else this.#hooks.set(dmKey(d), { sink: "dm", name: d.name, dm: d });
    }
  }

  kick(): void {
    if (this.#hooks.size === 0) return;
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
    if (this.#hooks.size === 0) return;
    const counts = await countDeliveries(this.#ctx.db);
    const gauge = this.#ctx.metrics.gauge("brotr_alert_deliveries", "Alert deliveries by status", [
      "status",
    ]);
    for (const status of ["pending", "sent", "dead"]) gauge.set({ status }, counts[status] ?? 0);
  }

  async #run(): Promise<void> {
    try {
      for (;;) {
        if (this.#ctx.signal.aborted) return;
        const due = await claimDeliveries(this.#ctx.db, {
          now: this.#ctx.now(),
          claimSeconds: CLAIM_SECONDS,
          limit: PAGE,
          subscriptions: [...this.#hooks.keys()],
        });
        await Promise.all(due.map((d) => this.#send(d)));
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

  #deliver(d: Delivery, target: Target): Promise<string | null> {
    if (target.sink === "dm") {
      if (this.#dm === undefined) return Promise.resolve("no key");
      const { secretKey, publisher } = this.#dm;
      const { pubkey, dm_relays: relays } = target.dm;
      return sendDm({ publisher, secretKey, pubkey, relays, change: d.change });
    }
    return postWebhook({
      url: target.hook.url,
      secret: target.secret,
      deliveryId: d.id,
      subscription: target.name,
      change: d.change,
      now: this.#ctx.now(),
      timeoutMs: this.#alerts.timeout * 1000,
      signal: this.#ctx.signal,
    });
  }

  async #send(d: Delivery): Promise<void> {
    const target = this.#hooks.get(d.subscription);
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
