/**
 * `bigbrotr monitor --relay URL` as a person reads it: one line per check (NIP-11 and each
 * NIP-66 check) with its outcome and what it found or why it failed, the rtt phases spelled
 * out, and whether the results were stored.
 */
import type { CheckResult } from "../nips/check-result.js";
import type { Nip66Rtt, RttPhase } from "../nips/nip66/rtt.js";
import type { RelayCheckNow } from "../services/monitor/check-now.js";
import { formatTable } from "./table.js";

const MAX_DETAIL = 110;

function clip(text: string): string {
  return text.length <= MAX_DETAIL ? text : `${text.slice(0, MAX_DETAIL - 1)}…`;
}

function phaseText(name: string, phase: RttPhase): string {
  switch (phase.status) {
    case "ok":
      return `${name} ${phase.ms} ms`;
    case "refused":
      return `${name} refused (${phase.policy}): ${phase.reason}`;
    case "failed":
      return `${name} failed: ${phase.reason}`;
    case "skipped":
      return `${name} skipped: ${phase.reason}`;
  }
}

function rttText(rtt: Nip66Rtt): string {
  const parts = [
    `open ${rtt.openMs} ms`,
    phaseText("read", rtt.read),
    phaseText("write", rtt.write),
  ];
  if (rtt.auth !== "none") parts.push(`auth ${rtt.auth}`);
  if (rtt.insecure) parts.push("TLS unverified");
  return parts.join("; ");
}

function scalar(value: unknown): string | undefined {
  if (typeof value === "string") return value === "" ? undefined : value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v !== "object")) {
    return value.join(",");
  }
  return undefined;
}

/** What a check found, as `key=value` pairs of its plain fields. */
function dataText(data: unknown): string {
  if (data === null || typeof data !== "object") return "";
  return Object.entries(data as Record<string, unknown>)
    .flatMap(([key, value]) => {
      const text = scalar(value);
      return text === undefined ? [] : [`${key}=${text}`];
    })
    .join(" ");
}

/** NIP-11 as a relay list shows it: name, software and version, the NIPs. */
function nip11Text(doc: Record<string, unknown>): string {
  const software = [scalar(doc.software), scalar(doc.version)].filter(Boolean).join(" ");
  const nips = scalar(doc.supported_nips);
  const parts = [scalar(doc.name) ?? "(no name)", software, nips ? `NIPs ${nips}` : ""];
  return parts.filter((p) => p !== "").join("; ");
}

function okText(name: string, data: unknown): string {
  if (name === "rtt") return rttText(data as Nip66Rtt);
  if (name === "nip11") return nip11Text(data as Record<string, unknown>);
  return dataText(data) || "nothing to report";
}

function rowOf(name: string, result: CheckResult<unknown>): (string | number)[] {
  const ms = result.status === "skipped" ? "" : `${result.durationMs} ms`;
  if (result.status === "error") return [name, "failed", ms, clip(result.reason)];
  if (result.status === "skipped") return [name, "skipped", ms, clip(result.reason)];
  const detail = okText(name, result.data);
  const notes = result.notes.length > 0 ? ` (${result.notes.join("; ")})` : "";
  return [name, "ok", ms, clip(`${detail}${notes}`)];
}

/** Up, down, or unknown, from the rtt check's open. */
function verdict(report: RelayCheckNow): string {
  const rtt = report.results.rtt;
  if (rtt.status === "ok") return `up (open ${rtt.data.openMs} ms)`;
  if (rtt.status === "error") return `down: ${clip(rtt.reason)}`;
  return `not checked for liveness (rtt ${rtt.reason})`;
}

export function renderRelayCheck(report: RelayCheckNow): string {
  const { results } = report;
  const order = ["nip11", "rtt", "ssl", "dns", "geo", "net", "http"] as const;
  const table = formatTable(
    ["check", "result", "time", "details"],
    order.map((name) => rowOf(name, results[name] as CheckResult<unknown>)),
  );
  const stored = report.stored
    ? "stored as this relay's newest check"
    : "not stored: the URL is not a relay of the archive (the validator adds relays)";
  return [`${report.url} (${report.network}): ${verdict(report)}`, "", table, "", stored, ""].join(
    "\n",
  );
}
