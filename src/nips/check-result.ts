/**
 * The outcome of one relay check (NIP-11, NIP-66…). A relay that is down or misbehaves is
 * data: it comes back as "error" with a reason, never as an exception.
 */
export type CheckResult<T> =
  | { status: "ok"; data: T; durationMs: number; notes: string[] }
  | { status: "error"; reason: string; durationMs: number }
  | { status: "skipped"; reason: string; durationMs: 0 };

export function checkOk<T>(data: T, durationMs: number, notes: string[] = []): CheckResult<T> {
  return { status: "ok", data, durationMs, notes };
}

export function checkError<T>(reason: string, durationMs: number): CheckResult<T> {
  return { status: "error", reason, durationMs };
}

/** The check did not run: disabled, not applicable to the network, or aborted by the caller. */
export function checkSkipped<T>(reason: string): CheckResult<T> {
  return { status: "skipped", reason, durationMs: 0 };
}
