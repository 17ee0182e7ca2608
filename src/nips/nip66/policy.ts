/**
 * Refusals that describe what a relay allows rather than whether it works: a read or write
 * answered with one of these prefixes (CLOSED or OK false) is the relay's policy, recorded
 * as such, never as "down".
 */
import { splitPrefix } from "../nip01/messages.js";

export const POLICY_PREFIXES = [
  "auth-required",
  "payment-required",
  "pow",
  "restricted",
  "rate-limited",
  "blocked",
] as const;
export type RelayPolicy = (typeof POLICY_PREFIXES)[number];

const POLICIES: ReadonlySet<string> = new Set(POLICY_PREFIXES);

/** The policy a relay message states ("pow: difficulty 8 needed" → "pow"), if any. */
export function policyOf(message: string): RelayPolicy | undefined {
  const { prefix } = splitPrefix(message);
  return prefix !== undefined && POLICIES.has(prefix) ? (prefix as RelayPolicy) : undefined;
}
