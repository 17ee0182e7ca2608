/**
 * Checks of what POST /v1/alerts is given (docs/alerts.md): a webhook URL the monitor may POST
 * to, relay URLs in their canonical form, and for a DM subscription that its pubkey operates
 * each relay named. Each problem is an ApiIssue with its path in the body.
 */
import { isIP } from "node:net";
import { isPrivateAddress } from "../models/ip-range.js";
import { parseRelayUrl } from "../models/relay-url.js";
import type { ApiIssue } from "./errors.js";

/** Why the monitor may not POST to `raw`; null when it may. */
export function webhookUrlProblem(raw: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "is not a URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must be http:// or https://";
  if (url.username !== "" || url.password !== "") return "must not carry a user or password";
  if (allowPrivate) return null;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) !== 0) return isPrivateAddress(host) ? `${host} is a private address` : null;
  if (host === "localhost" || host.endsWith(".localhost") || !host.includes(".")) {
    return `${host} is a local name`;
  }
  return null;
}

/** The canonical form of each relay URL, or the issues of those that are not relay URLs. */
export function canonicalRelays(
  urls: readonly string[],
  path: string,
): { urls: string[]; issues: ApiIssue[] } {
  const out = new Set<string>();
  const issues: ApiIssue[] = [];
  for (const [i, raw] of urls.entries()) {
    const parsed = parseRelayUrl(raw, { allowPrivate: true });
    if (parsed.ok) out.add(parsed.url);
    else issues.push({ path: `${path}[${i}]`, message: `not a relay URL: ${parsed.reason}` });
  }
  return { urls: [...out], issues };
}

/** The issues of the relays `pubkey` does not operate (by their NIP-11 `pubkey`). */
export function notOperated(
  relays: readonly string[],
  operators: ReadonlyMap<string, string | null>,
  pubkey: string,
): ApiIssue[] {
  return relays.flatMap((url, i) => {
    const path = `body.relays[${i}]`;
    if (!operators.has(url)) return [{ path, message: `${url} is not an archived relay` }];
    const op = operators.get(url) ?? null;
    if (op === pubkey) return [];
    const named = op === null ? "names no pubkey" : `is ${op}`;
    return [
      { path, message: `${pubkey} is not the operator of ${url} (its NIP-11 pubkey ${named})` },
    ];
  });
}
