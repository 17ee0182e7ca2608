/**
 * NIP-45 COUNT on the wire: the client's `["COUNT", id, filter…]` and the relay's answer
 * payload `{"count": n, "approximate"?: bool, "hll"?: "<512 hex>"}`. The hll is passed on as
 * the relay sent it (a string); hll.ts decodes it and says what is wrong with a bad one, so a
 * bad hll never costs us the count beside it.
 */
import type { Filter } from "../../models/event-types.js";

export interface CountPayload {
  count: number;
  approximate: boolean;
  /** The relay's HyperLogLog registers as hex, unchecked (see decodeHll). */
  hll?: string;
}

export const encodeCount = (subId: string, filters: readonly Filter[]): string =>
  JSON.stringify(["COUNT", subId, ...filters]);

/** The answer's payload, or the reason it is not one. */
export function parseCountPayload(
  payload: unknown,
): { ok: true; value: CountPayload } | { ok: false; reason: string } {
  if (typeof payload !== "object" || payload === null) {
    return { ok: false, reason: "COUNT: payload not an object" };
  }
  const count = "count" in payload ? payload.count : undefined;
  if (typeof count !== "number" || !Number.isSafeInteger(count) || count < 0) {
    return { ok: false, reason: "COUNT: count is not a non-negative integer" };
  }
  const approximate = "approximate" in payload && payload.approximate === true;
  const hll = "hll" in payload && typeof payload.hll === "string" ? payload.hll : undefined;
  return { ok: true, value: { count, approximate, ...(hll === undefined ? {} : { hll }) } };
}
