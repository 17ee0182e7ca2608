/**
 * What a relay client throws. A refusal (CLOSED) is typed by its NIP-01/NIP-42 prefix so
 * callers can branch on policy ("auth-required", "rate-limited"…) without parsing text.
 */
import { BrotrError } from "../../models/errors.js";
import { splitPrefix } from "./messages.js";

/** Base of everything the relay client throws (except ConnectError from the transport). */
export class RelayClientError extends BrotrError {}

/** The relay ended a subscription with `["CLOSED", subId, "prefix: text"]`. */
export class RelayClosedError extends RelayClientError {
  /** Machine-readable prefix (`auth-required`, `blocked`…), undefined when there is none. */
  readonly prefix: string | undefined;
  /** The relay's whole message, prefix included. */
  readonly reason: string;
  readonly subId: string;
  constructor(subId: string, reason: string) {
    super(`relay closed subscription: ${reason || "(no reason)"}`);
    this.subId = subId;
    this.reason = reason;
    this.prefix = splitPrefix(reason).prefix;
  }
}

export class AuthRequiredError extends RelayClosedError {}
export class RestrictedError extends RelayClosedError {}
export class RateLimitedError extends RelayClosedError {}
export class BlockedError extends RelayClosedError {}
export class InvalidError extends RelayClosedError {}
export class PowError extends RelayClosedError {}
export class DuplicateError extends RelayClosedError {}
export class MuteError extends RelayClosedError {}
/** Prefix `error:`: the relay failed internally. */
export class RelayError extends RelayClosedError {}

/**
 * A NOTICE came while a COUNT waited for its answer: how relays without NIP-45 refuse it
 * (they know no COUNT verb, so they cannot CLOSE the subscription).
 */
export class RelayNoticeError extends RelayClientError {
  readonly notice: string;
  constructor(notice: string) {
    super(`relay answered with a NOTICE: ${notice || "(empty)"}`);
    this.notice = notice;
  }
}

const BY_PREFIX: Record<string, typeof RelayClosedError> = {
  "auth-required": AuthRequiredError,
  restricted: RestrictedError,
  "rate-limited": RateLimitedError,
  blocked: BlockedError,
  invalid: InvalidError,
  pow: PowError,
  duplicate: DuplicateError,
  mute: MuteError,
  error: RelayError,
};

/** The error class for a CLOSED message; unknown or missing prefix → RelayClosedError. */
export function closedError(subId: string, reason: string): RelayClosedError {
  const { prefix } = splitPrefix(reason);
  const ErrorClass = (prefix !== undefined && BY_PREFIX[prefix]) || RelayClosedError;
  return new ErrorClass(subId, reason);
}

export type TimeoutPhase = "eose" | "idle" | "ok" | "auth" | "count" | "neg-msg";

/** The relay did not answer in time (no EOSE, silence, no OK). */
export class RelayTimeoutError extends RelayClientError {
  readonly phase: TimeoutPhase;
  readonly timeoutMs: number;
  constructor(phase: TimeoutPhase, timeoutMs: number) {
    super(
      `relay timeout: no ${phase === "idle" ? "message" : phase.toUpperCase()} within ${timeoutMs} ms`,
    );
    this.phase = phase;
    this.timeoutMs = timeoutMs;
  }
}

/** The connection ended while a subscription or publish was still waiting. */
export class RelayDisconnectedError extends RelayClientError {
  readonly reason: string;
  constructor(reason: string) {
    super(`relay disconnected: ${reason}`);
    this.reason = reason;
  }
}
