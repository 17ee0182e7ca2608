import { InvalidArgumentError, Option } from "commander";
import { LOG_LEVELS } from "../core/logger.js";
import { UsageError } from "../models/errors.js";
import type { Network } from "../models/network.js";
import { parseRelayUrl } from "../models/relay-url.js";

export function logLevelOption(): Option {
  return new Option("--log-level <level>", "log level").choices(LOG_LEVELS as string[]);
}

export function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError("expected a non-negative integer");
  return n;
}

/** Unix seconds, or an ISO 8601 date/time (`2024-01-31`, `2024-01-31T12:00:00Z`). */
export function parseTimestamp(value: string): number {
  if (/^[0-9]+$/.test(value)) {
    const n = Number(value);
    if (Number.isSafeInteger(n)) return n;
  } else if (/^[0-9]{4}-[0-9]{2}-[0-9]{2}/.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms) && ms >= 0) return Math.floor(ms / 1000);
  }
  throw new InvalidArgumentError("expected unix seconds or an ISO 8601 date/time");
}

/** A comma-separated list of event kinds (0 to 65535). */
export function parseKinds(value: string): number[] {
  const kinds = value.split(",").map((s) => s.trim());
  if (kinds.some((k) => !/^[0-9]{1,5}$/.test(k) || Number(k) > 65_535)) {
    throw new InvalidArgumentError("expected comma-separated kinds between 0 and 65535");
  }
  return [...new Set(kinds.map(Number))];
}

/**
 * A `--relay URL` option, normalised as the relay table stores it; a UsageError with its
 * reason when it is not a relay URL (or a private one without `allow_private`).
 */
export function relayOption(raw: string, allowPrivate: boolean): { url: string; network: Network } {
  const parsed = parseRelayUrl(raw, { allowPrivate });
  if (!parsed.ok) {
    throw new UsageError(
      `--relay ${raw}: ${parsed.reason} (a relay URL looks like wss://relay.example.com)`,
    );
  }
  return { url: parsed.url, network: parsed.network };
}
