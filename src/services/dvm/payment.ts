/**
 * Priced jobs (docs/dvm.md, "Pricing"): the price of a kind, the 7000 `payment-required`
 * feedback with its `amount` (msats), and a NIP-57 zap receipt (9735) that pays a job: signed
 * by the configured provider, its `e` tag the request, its zap request (`description`)
 * carrying an `amount` at least the price. The paid result is released once, across replicas.
 */
import { awaitingDvmJobKind, releaseDvmJob } from "../../core/db/dvm-jobs.js";
import type { Db } from "../../core/db/pool.js";
import type { NostrEvent } from "../../models/event-types.js";
import { signEvent } from "../../utils/keys.js";
import type { DvmConfig } from "./config.js";
import { FEEDBACK_KIND, feedbackEvent, type Signer } from "./responses.js";

export const ZAP_RECEIPT_KIND = 9735;

/** The price of `kind` in msats, or null when it is free (pricing off or not listed). */
export function priceOf(config: DvmConfig, kind: number): number | null {
  if (!config.pricing.enabled) return null;
  return config.pricing.amounts[String(kind)] ?? null;
}

export function paymentRequiredEvent(request: NostrEvent, amount: number, signer: Signer) {
  return signEvent(
    {
      kind: FEEDBACK_KIND,
      created_at: signer.now(),
      tags: [
        [
          "status",
          "payment-required",
          `pay ${amount} msats by zap to this DVM, tagging the request`,
        ],
        ["amount", String(amount)],
        ["e", request.id],
        ["p", request.pubkey],
      ],
      content: "",
    },
    signer.secretKey,
  );
}

/** The msats a receipt's zap request claims, or 0. */
function zapAmount(receipt: NostrEvent): number {
  const description = receipt.tags.find((t) => t[0] === "description")?.[1];
  try {
    const zapRequest = JSON.parse(description ?? "") as { tags?: unknown };
    const tags = Array.isArray(zapRequest.tags) ? (zapRequest.tags as unknown[][]) : [];
    const amount = Number(tags.find((t) => t[0] === "amount")?.[1]);
    return Number.isSafeInteger(amount) && amount > 0 ? amount : 0;
  } catch {
    return 0;
  }
}

/** What a receipt needs of the DVM (its job handler's environment has it all). */
export interface ReceiptEnv {
  db: Db;
  config: DvmConfig;
  signer: Signer;
  publish(event: NostrEvent): Promise<void>;
}

/** Releases the job a valid receipt pays; true when this call released it. */
export async function handleZapReceipt(receipt: NostrEvent, env: ReceiptEnv): Promise<boolean> {
  if (receipt.pubkey !== env.config.pricing.provider) return false;
  const requestId = receipt.tags.find((t) => t[0] === "e")?.[1];
  if (requestId === undefined || !/^[0-9a-f]{64}$/.test(requestId)) return false;
  const kind = await awaitingDvmJobKind(env.db, requestId);
  const price = kind === null ? null : priceOf(env.config, kind);
  if (price === null || zapAmount(receipt) < price) return false;
  const result = await releaseDvmJob(env.db, requestId, env.signer.now());
  if (result === null) return false;
  await env.publish(result);
  const request = JSON.parse(result.tags.find((t) => t[0] === "request")?.[1] ?? "{}");
  const encrypted = result.tags.some((t) => t[0] === "encrypted");
  await env.publish(
    feedbackEvent({ event: request as NostrEvent, encrypted }, "success", "", env.signer),
  );
  return true;
}
