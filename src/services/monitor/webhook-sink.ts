/**
 * Webhook deliveries (docs/alerts.md): a JSON POST signed with the subscription's secret,
 * `X-Bigbrotr-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` and the timestamp
 * in `X-Bigbrotr-Timestamp`, so a receiver can refuse a forged or replayed call. Any 2xx is
 * delivered; anything else (status, timeout, refused connection) is a failure to retry.
 */
import { createHmac } from "node:crypto";
import type { RelayChange } from "../../models/relay-change.js";
import { changeJson } from "../../models/relay-change.js";

export interface WebhookCall {
  url: string;
  secret: string;
  deliveryId: number;
  subscription: string;
  change: RelayChange;
  /** Unix seconds. */
  now: number;
  timeoutMs: number;
  signal: AbortSignal;
}

/** The signature header's value for `body` sent at `timestamp`. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** POSTs one delivery; resolves to null when delivered, else the reason it was not. */
export async function postWebhook(call: WebhookCall): Promise<string | null> {
  const body = JSON.stringify({
    delivery: call.deliveryId,
    subscription: call.subscription,
    change: changeJson(call.change),
  });
  try {
    const res = await fetch(call.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "User-Agent": "bigbrotr-alerts",
        "X-Bigbrotr-Delivery": String(call.deliveryId),
        "X-Bigbrotr-Timestamp": String(call.now),
        "X-Bigbrotr-Signature": webhookSignature(call.secret, call.now, body),
      },
      body,
      redirect: "manual",
      signal: AbortSignal.any([call.signal, AbortSignal.timeout(call.timeoutMs)]),
    });
    await res.body?.cancel();
    return res.status >= 200 && res.status < 300 ? null : `HTTP ${res.status}`;
  } catch (error) {
    const e = error as { name?: string; cause?: { code?: string }; message?: string };
    if (e.name === "TimeoutError") return "timeout";
    return e.cause?.code ?? e.message ?? "failed";
  }
}
