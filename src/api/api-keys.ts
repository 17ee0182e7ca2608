/** Optional API keys: a client that sends a known key gets the keyed (higher) rate limit. */
import { createHash, timingSafeEqual } from "node:crypto";

const digest = (key: string) => createHash("sha256").update(key).digest();

/** Parses a comma-separated list of keys (blank entries ignored). */
export function parseApiKeys(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
}

/** The key a request carries: `X-API-Key: K` or `Authorization: Bearer K`; undefined when none. */
export function requestKey(headers: { get(name: string): string | null | undefined }) {
  const direct = headers.get("x-api-key");
  if (direct) return direct.trim();
  const auth = headers.get("authorization");
  const match = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  return match?.[1];
}

/**
 * Checks keys in constant time per key. `name` is a short, non-secret label for a key (the
 * first 8 hex of its SHA-256) used as its rate-limit bucket, so buckets and logs never hold it.
 */
export function createKeyCheck(keys: readonly string[]) {
  const known = keys.map((k) => digest(k));
  return (candidate: string): string | undefined => {
    const d = digest(candidate);
    const hit = known.find((k) => timingSafeEqual(k, d));
    return hit ? `key:${hit.toString("hex").slice(0, 8)}` : undefined;
  };
}

/** Who owns what a key makes (alert subscriptions): `key:` and the key's whole SHA-256. */
export const keyOwner = (key: string) => `key:${digest(key).toString("hex")}`;
