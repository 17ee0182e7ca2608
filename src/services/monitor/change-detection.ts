/**
 * Change detection over one relay's check (docs/changes.md): the relay's remembered state and
 * the documents just checked give the changes to store and the state to remember. Pure: the
 * history writer locks and saves the state in the transaction that writes the history.
 */
import { createHash } from "node:crypto";
import type { ChangeState } from "../../core/db/relay-change-state.js";
import { canonicalJson } from "../../models/metadata.js";
import type { MetadataType } from "../../models/metadata-type.js";
import type { ChangeKind, DetectedChange } from "../../models/relay-change.js";
import type { ChangeThresholds } from "./config.js";
import type { StoredDocument } from "./documents.js";

export interface CheckedRelay {
  url: string;
  checkedAt: number;
  documents: ReadonlyMap<MetadataType, StoredDocument>;
}

export interface Detection {
  state: ChangeState;
  changes: DetectedChange[];
}

type Emit = (kind: ChangeKind, evidence: Record<string, unknown>) => void;

const digest = (value: unknown) =>
  createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, 16);
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

function detectRtt(
  s: ChangeState,
  doc: StoredDocument,
  t: ChangeThresholds,
  at: number,
  emit: Emit,
) {
  const open = num(doc.data.rtt_open);
  if (open === undefined) {
    if (s.failures === 0) s.failingSince = at;
    s.failures++;
    s.slowChecks = 0;
    if (!s.down && s.failures >= t.down_after) {
      s.down = true;
      emit("down", { failures: s.failures, since: s.failingSince, reason: doc.logs.open_reason });
    }
    return;
  }
  if (s.down) emit("up", { down_since: s.failingSince, failures: s.failures, rtt_open: open });
  s.down = false;
  s.failures = 0;
  delete s.failingSince;
  detectSlow(s, open, t, emit);
  detectWrite(s, doc, emit);
}

function detectSlow(s: ChangeState, open: number, t: ChangeThresholds, emit: Emit) {
  if (open <= t.rtt_high_ms) {
    if (s.slow) emit("rtt_normal", { rtt_open: open, threshold_ms: t.rtt_high_ms });
    s.slow = false;
    s.slowChecks = 0;
    return;
  }
  s.slowChecks++;
  if (!s.slow && s.slowChecks >= t.rtt_high_checks) {
    s.slow = true;
    emit("rtt_high", { rtt_open: open, threshold_ms: t.rtt_high_ms, checks: s.slowChecks });
  }
}

/** Write failing while reads work: a write refused or failed with an answered read. */
function detectWrite(s: ChangeState, doc: StoredDocument, emit: Emit) {
  const read = doc.logs.read_success === true;
  const write = doc.logs.write_success;
  if (write === undefined) return; // not probed (no key, disabled)
  if (read && write === false && !s.writeFailing) {
    s.writeFailing = true;
    emit("write_failing", { reason: doc.logs.write_reason, policy: doc.logs.write_policy });
  } else if (write === true && s.writeFailing) {
    s.writeFailing = false;
    emit("write_restored", { rtt_write: doc.data.rtt_write });
  }
}

function fieldDiff(before: Record<string, string>, after: Record<string, string>) {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => before[k] !== after[k]).sort();
}

function detectNip11(s: ChangeState, doc: StoredDocument, emit: Emit) {
  if (doc.logs.success !== true) return;
  const digests: Record<string, string> = {};
  for (const [k, v] of Object.entries(doc.data)) digests[k] = digest(v);
  const nips = Array.isArray(doc.data.supported_nips)
    ? [...new Set(doc.data.supported_nips.filter((n) => typeof n === "number"))].sort(
        (a, b) => a - b,
      )
    : [];
  if (s.nip11 !== undefined) {
    const fields = fieldDiff(s.nip11, digests);
    if (fields.length > 0) emit("nip11_changed", { fields });
  }
  if (s.nips !== undefined) {
    const added = nips.filter((n) => !s.nips?.includes(n));
    const removed = s.nips.filter((n) => !nips.includes(n));
    if (added.length + removed.length > 0) emit("nips_changed", { added, removed, nips });
  }
  s.nip11 = digests;
  s.nips = nips;
}

function detectCert(
  s: ChangeState,
  doc: StoredDocument,
  t: ChangeThresholds,
  at: number,
  emit: Emit,
) {
  const fingerprint = doc.data.ssl_fingerprint;
  const expires = num(doc.data.ssl_expires);
  if (doc.logs.success !== true || typeof fingerprint !== "string" || expires === undefined) return;
  const valid = doc.data.ssl_valid === true;
  const before = s.cert;
  const renewed = before !== undefined && before.fingerprint !== fingerprint;
  if (renewed) emit("cert_renewed", { fingerprint, expires, previous_expires: before.expires });
  const wasValid = renewed || before === undefined ? true : before.valid;
  if (!valid && wasValid) {
    emit("cert_invalid", { fingerprint, reason: doc.data.ssl_invalid_reason, expires });
  }
  const left = expires - at;
  const expiring = left < t.cert_expiry_days * 86_400;
  const wasExpiring = renewed ? false : (before?.expiring ?? false);
  if (expiring && !wasExpiring) {
    emit("cert_expiring", { fingerprint, expires, days_left: Math.floor(left / 86_400) });
  }
  s.cert = { fingerprint, expires, valid, expiring };
}

/** The changes one check of a relay makes, and the state after it. */
export function detectChanges(
  previous: ChangeState,
  run: CheckedRelay,
  thresholds: ChangeThresholds,
): Detection {
  const state: ChangeState = structuredClone(previous);
  const changes: DetectedChange[] = [];
  const emit: Emit = (kind, evidence) =>
    changes.push({ relayUrl: run.url, kind, checkedAt: run.checkedAt, evidence });
  const rtt = run.documents.get("nip66_rtt");
  if (rtt) detectRtt(state, rtt, thresholds, run.checkedAt, emit);
  const nip11 = run.documents.get("nip11_info");
  if (nip11) detectNip11(state, nip11, emit);
  const ssl = run.documents.get("nip66_ssl");
  if (ssl) detectCert(state, ssl, thresholds, run.checkedAt, emit);
  return { state, changes };
}
