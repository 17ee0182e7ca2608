/** Which subscriptions a stored change concerns (docs/alerts.md). Pure. */
import type { AlertCandidate } from "../../core/db/alert-deliveries.js";
import type { InsertedChange } from "../../core/db/relay-changes.js";
import type { AlertsConfig, DmSubscription, WebhookSubscription } from "./config.js";

/** The subscription key of a configured webhook (its deliveries and cool-downs). */
export const webhookKey = (w: WebhookSubscription) => `webhook:${w.name}`;
/** The subscription key of a configured DM recipient. */
export const dmKey = (d: DmSubscription) => `dm:${d.name}`;

type Rule = { relays: readonly string[]; kinds: readonly string[] };

const concerns = (w: Rule, url: string, kind: string) =>
  (w.kinds as readonly string[]).includes(kind) &&
  (w.relays.length === 0 || w.relays.includes(url));

/** One candidate per (subscription, change) the subscription wants. */
export function alertCandidates(
  alerts: AlertsConfig,
  changes: readonly InsertedChange[],
  urlOf: ReadonlyMap<number, string>,
): AlertCandidate[] {
  const out: AlertCandidate[] = [];
  for (const change of changes) {
    const url = urlOf.get(change.relayId);
    if (url === undefined) continue;
    const subs = [
      ...alerts.webhooks.map((w) => [webhookKey(w), w] as const),
      ...alerts.dms.map((d) => [dmKey(d), d] as const),
    ];
    for (const [key, rule] of subs) {
      if (!concerns(rule, url, change.kind)) continue;
      out.push({ subscription: key, changeId: change.id, ...change });
    }
  }
  return out;
}
