/**
 * What a negentropy session throws besides the relay client's own errors (disconnects, and
 * RelayTimeoutError "neg-msg" for a relay that stops answering mid-way). A NEG-ERR is typed
 * by its prefix so callers branch without parsing text: `blocked` (too many records when
 * the relay says how many it allows, or the text says so), `closed` (the relay timed the
 * session out); a relay that does not speak NIP-77 at all gives NegUnsupportedError.
 */
import { BrotrError } from "../../models/errors.js";

export class NegentropyError extends BrotrError {}

/** A message that is not negentropy V1 (bad hex, truncated field, unknown mode…). */
export class NegProtocolError extends NegentropyError {}

/** The relay answered NEG-OPEN with NOTICE, CLOSED, another protocol version or silence. */
export class NegUnsupportedError extends NegentropyError {
  readonly reason: string;
  constructor(reason: string) {
    super(`relay does not speak NIP-77: ${reason}`);
    this.reason = reason;
  }
}

/** `["NEG-ERR", subId, "prefix: text", maxRecords?]`: the session is over. */
export class NegErrError extends NegentropyError {
  readonly reason: string;
  readonly prefix: string | undefined;
  /** The most records the relay will reconcile in one session, when it says. */
  readonly maxRecords: number | undefined;
  constructor(reason: string, prefix: string | undefined, maxRecords: number | undefined) {
    super(`relay refused negentropy: ${reason || "(no reason)"}`);
    this.reason = reason;
    this.prefix = prefix;
    this.maxRecords = maxRecords;
  }
}

/** `blocked:` the relay will not run this query (too big, too old, policy). */
export class NegBlockedError extends NegErrError {}
/** `blocked:` because the filter matches more records than the relay reconciles at once. */
export class NegTooManyRecordsError extends NegBlockedError {}
/** `closed:` the relay dropped the session (usually for being idle too long). */
export class NegClosedError extends NegErrError {}

const TOO_MANY = /too (many|big|large)|max(imum)? (records|events)/i;

/** The error for a NEG-ERR, chosen by its prefix (and, for blocked, why). */
export function negErrError(
  reason: string,
  prefix: string | undefined,
  maxRecords: number | undefined,
): NegErrError {
  if (prefix === "closed") return new NegClosedError(reason, prefix, maxRecords);
  if (prefix !== "blocked") return new NegErrError(reason, prefix, maxRecords);
  const tooMany = maxRecords !== undefined || TOO_MANY.test(reason);
  return tooMany
    ? new NegTooManyRecordsError(reason, prefix, maxRecords)
    : new NegBlockedError(reason, prefix, maxRecords);
}
