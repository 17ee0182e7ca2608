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
import { webhookKey } from "./alert-rules.js";
import type { AlertsConfig, WebhookSubscription } from "./config.js";
import { postWebhook } from "./webhook-sink.js";

const PAGE = 50;
/** Seconds a claim lasts: past the longest webhook timeout. */
const CLAIM_SECONDS = 180;

export class AlertSender {
  readonly #ctx: ServiceContext;
  readonly #alerts: AlertsConfig;
  readonly #hooks: Map<string, { hook: WebhookSubscription; secret: string }>;
  #pass: Promise<void> | undefined;
  #again = false;

  /** `secrets`: each webhook's secret by its secret_env name. */
  constructor(ctx: ServiceContext, alerts: AlertsConfig, secrets: ReadonlyMap<string, string>) {
    this.#ctx = ctx;
    this.#alerts = alerts;
    this.#hooks = new Map();
    for (const hook of alerts.webhooks) {
      const secret = secrets.get(hook.secret_env);
      if (secret === undefined) ctx.log.warn({ subscription: hook.name }, "webhook_without_secret");
      else this.#hooks.set(webhookKey(hook), { hook, secret });
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

  async #send(d: Delivery): Promise<void> {
    const target = this.#hooks.get(d.subscription);
    if (target === undefined) return;
    const error = await postWebhook({
      url: target.hook.url,
      secret: target.secret,
      deliveryId: d.id,
      subscription: target.hook.name,
      change: d.change,
      now: this.#ctx.now(),
      timeoutMs: this.#alerts.timeout * 1000,
      signal: this.#ctx.signal,
    });
    const outcome = this.#outcome(d, error);
    await finishDelivery(this.#ctx.db, d.id, outcome, this.#ctx.now());
    const m = this.#ctx.metrics.counter("brotr_alert_deliveries_total", "Alert deliveries", [
      "sink",
      "outcome",
    ]);
    m.inc({ sink: "webhook", outcome: outcome.status });
    const fields = {
      subscription: target.hook.name,
      relay: d.change.relayUrl,
      kind: d.change.kind,
    };
    if (outcome.status === "sent") this.#ctx.log.info(fields, "alert_sent");
    else this.#ctx.log.warn({ ...fields, error, attempts: d.attempts }, `alert_${outcome.status}`);
  }
}
