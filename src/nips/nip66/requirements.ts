/**
 * What a relay requires (`R` tags) and what kind of relay it is (`T` tags), from its NIP-11
 * self-report overridden by what our probes saw. A probe is evidence only about the
 * requirement its answer names: a write refused with `auth-required` proves `auth`, one
 * refused with `restricted` proves `writes` (restricted writes), `payment-required` proves
 * `payment`, `pow` proves `pow`; an accepted write proves the absence of payment and write
 * restrictions, and, when we had not authenticated, of auth. `rate-limited`, `blocked`, a
 * timeout or a silent drop prove nothing. A requirement neither source knows stays unknown
 * and gets no tag (NIP-11 booleans a document leaves out count as false).
 */
import type { Nip11Document } from "../nip11/types.js";
import { REQUIREMENT_KEYS, type RequirementKey } from "./discovery-tags.js";
import type { RelayPolicy } from "./policy.js";
import type { Nip66Rtt } from "./rtt.js";
import type { RttPhase } from "./rtt-phase.js";

export type Requirements = Partial<Record<RequirementKey, boolean>>;

export interface RelayAccess {
  requirements: Requirements;
  /** Reading needs NIP-42 AUTH; undefined when unknown. */
  readAuth: boolean | undefined;
}

const refusedWith = (phase: RttPhase, policy: RelayPolicy) =>
  phase.status === "refused" && phase.policy === policy;

function selfReported(nip11: Nip11Document | undefined): Requirements {
  if (nip11 === undefined) return {};
  const l = nip11.limitation ?? {};
  return {
    auth: l.auth_required ?? false,
    payment: l.payment_required ?? false,
    writes: l.restricted_writes ?? false,
    pow: (l.min_pow_difficulty ?? 0) > 0,
  };
}

/** One requirement: proven by a refusal, disproven by a success, else the self-report. */
function decide(proven: boolean, disproven: boolean, reported: boolean | undefined) {
  if (proven) return true;
  if (disproven) return false;
  return reported;
}

/** The requirements and read access of a relay whose rtt open succeeded. */
export function assessAccess(nip11: Nip11Document | undefined, rtt: Nip66Rtt): RelayAccess {
  const reported = selfReported(nip11);
  const { read, write } = rtt;
  const unauthenticated = rtt.auth !== "ok";
  const wrote = write.status === "ok";
  const authRefused = refusedWith(read, "auth-required") || refusedWith(write, "auth-required");
  const decided: Record<RequirementKey, boolean | undefined> = {
    auth: decide(authRefused, unauthenticated && (wrote || read.status === "ok"), reported.auth),
    payment: decide(
      refusedWith(read, "payment-required") || refusedWith(write, "payment-required"),
      wrote,
      reported.payment,
    ),
    writes: decide(refusedWith(write, "restricted"), wrote, reported.writes),
    // An accepted write carried the PoW NIP-11 asked for, so it disproves only "none asked".
    pow: decide(refusedWith(write, "pow"), wrote && reported.pow !== true, reported.pow),
  };
  const requirements: Requirements = {};
  for (const key of REQUIREMENT_KEYS) {
    const value = decided[key];
    if (value !== undefined) requirements[key] = value;
  }
  const readAuth = decide(
    refusedWith(read, "auth-required"),
    read.status === "ok" && unauthenticated,
    nip11 === undefined ? undefined : reported.auth,
  );
  return { requirements, readAuth };
}

/** Writing is restricted somehow (auth, payment or a write policy); undefined when unknown. */
function writeRestricted(r: Requirements): boolean | undefined {
  if (r.auth === true || r.payment === true || r.writes === true) return true;
  if (r.auth === false && r.payment === false && r.writes === false) return false;
  return undefined;
}

/**
 * `T` values (PascalCase, from nips#1282): one access type when read and write access are
 * both known (PrivateStorage, PrivateInbox, PublicOutbox, PublicInbox), then Community
 * (NIP-29) and Search (NIP-50) when listed.
 */
export function relayTypes(nips: readonly number[], access: RelayAccess): string[] {
  const types: string[] = [];
  const restricted = writeRestricted(access.requirements);
  if (access.readAuth !== undefined && restricted !== undefined) {
    if (access.readAuth) types.push(restricted ? "PrivateStorage" : "PrivateInbox");
    else types.push(restricted ? "PublicOutbox" : "PublicInbox");
  }
  if (nips.includes(29)) types.push("Community");
  if (nips.includes(50)) types.push("Search");
  return types;
}
