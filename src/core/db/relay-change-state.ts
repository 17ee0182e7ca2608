/**
 * What change detection remembers of a relay between checks (relay_change_state.state): the
 * saved document's type and its one tolerant parser. Its statements are in relay-changes.ts.
 */

export interface ChangeState {
  /** Failed opens in a row. */
  failures: number;
  /** Check time of the first of those failures. */
  failingSince?: number;
  /** A `down` was stored and no `up` since. */
  down: boolean;
  /** Checks in a row with rtt_open above the threshold. */
  slowChecks: number;
  slow: boolean;
  writeFailing: boolean;
  /** SHA-256 (hex, 16 chars) of each top-level NIP-11 field's canonical JSON. */
  nip11?: Record<string, string>;
  nips?: number[];
  cert?: { fingerprint: string; expires: number; valid: boolean; expiring: boolean };
}

export const EMPTY_STATE: ChangeState = {
  failures: 0,
  down: false,
  slowChecks: 0,
  slow: false,
  writeFailing: false,
};

const obj = (v: unknown): Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const num = (v: unknown, d: number) => (typeof v === "number" && Number.isFinite(v) ? v : d);
const bool = (v: unknown) => v === true;

function parseCert(v: unknown): ChangeState["cert"] {
  const c = obj(v);
  if (typeof c.fingerprint !== "string") return undefined;
  const cert = { fingerprint: c.fingerprint, expires: num(c.expires, 0) };
  return { ...cert, valid: bool(c.valid), expiring: bool(c.expiring) };
}

function parseDigests(v: unknown): Record<string, string> | undefined {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, d] of Object.entries(v)) if (typeof d === "string") out[k] = d;
  return out;
}

/** A stored state as a ChangeState: what is missing or malformed takes its empty value. */
export function parseChangeState(value: unknown): ChangeState {
  const s = obj(value);
  const state: ChangeState = {
    failures: num(s.failures, 0),
    down: bool(s.down),
    slowChecks: num(s.slowChecks, 0),
    slow: bool(s.slow),
    writeFailing: bool(s.writeFailing),
  };
  if (typeof s.failingSince === "number") state.failingSince = s.failingSince;
  const nip11 = parseDigests(s.nip11);
  if (nip11) state.nip11 = nip11;
  if (Array.isArray(s.nips)) state.nips = s.nips.filter((n) => typeof n === "number");
  const cert = parseCert(s.cert);
  if (cert) state.cert = cert;
  return state;
}
