/**
 * The filters of a client's REQ, COUNT or NEG-OPEN, checked against NIP-01 and the relay's
 * limits; a refusal is the reason sent back in CLOSED (or NEG-ERR), with its metric label.
 */
import { MAX_TAG_CONDITIONS, tagConditions } from "../../core/db/relay/filter-sql.js";
import { type Filter, validateFilter } from "../../models/filter.js";
import type { RelayLimits } from "./config.js";
import type { RefusalReason } from "./metrics.js";

export type Checked =
  | { ok: true; filters: Filter[] }
  | { ok: false; reason: string; label: RefusalReason };

const refuse = (reason: string, label: RefusalReason = "invalid"): Checked => ({
  ok: false,
  reason,
  label,
});

/** The longest subscription id NIP-01 allows. */
const MAX_SUB_ID = 64;

export function validSubId(raw: unknown): raw is string {
  return typeof raw === "string" && raw.length > 0 && raw.length <= MAX_SUB_ID;
}

function listProblem(filter: Filter, limits: RelayLimits): string | null {
  const lists: [string, readonly unknown[] | undefined][] = [
    ["ids", filter.ids],
    ["authors", filter.authors],
    ["kinds", filter.kinds],
  ];
  for (const [key, values] of Object.entries(filter)) {
    if (key.startsWith("#")) lists.push([key, values as string[]]);
  }
  for (const [key, values] of lists) {
    if (values !== undefined && values.length > limits.max_filter_values) {
      return `${key} has more than ${limits.max_filter_values} values`;
    }
  }
  if (tagConditions(filter).length > MAX_TAG_CONDITIONS) {
    return `at most ${MAX_TAG_CONDITIONS} tag conditions in one filter`;
  }
  return null;
}

/** Checks `raw` (the message after verb and subscription id) as at least one filter. */
export function checkFilters(raw: readonly unknown[], limits: RelayLimits): Checked {
  if (raw.length === 0) return refuse("invalid: at least one filter is needed");
  if (raw.length > limits.max_filters) {
    return refuse(`blocked: at most ${limits.max_filters} filters in one request`, "filters");
  }
  const filters: Filter[] = [];
  for (const item of raw) {
    const checked = validateFilter(item);
    if (!checked.ok) return refuse(checked.reason);
    const problem = listProblem(checked.filter, limits);
    if (problem !== null) return refuse(`blocked: ${problem}`, "filters");
    filters.push(checked.filter);
  }
  return { ok: true, filters };
}
