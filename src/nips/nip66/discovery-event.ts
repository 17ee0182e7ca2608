/**
 * The kind 30166 relay discovery event of one relay, as an unsigned template, from one run's
 * check results. Only a relay whose rtt open succeeded gets one: a dead relay is reported by
 * the absence of a fresh 30166, never by a 30166 full of failures. Tag order is fixed (see
 * `discoveryTags`), values are strings, and each label namespace is declared by one `L` tag.
 * `content` is the relay's NIP-11 document as plain canonical JSON (no wrapper), or "".
 */
import { canonicalJson } from "../../models/metadata.js";
import type { Network } from "../../models/network.js";
import type { EventTemplate } from "../../utils/keys.js";
import type { CheckResult } from "../check-result.js";
import type { Nip11Document } from "../nip11/types.js";
import type { Nip66Results } from "./checks.js";
import { accessTags, type Label, nip11Tags, probeTags } from "./discovery-sections.js";
import {
  DISCOVERY_PARTS,
  type DiscoveryPart,
  LABEL_NAMESPACE_ORDER,
  RELAY_DISCOVERY_KIND,
} from "./discovery-tags.js";
import type { Nip66Rtt } from "./rtt.js";
import { WRITE_PROBE_KIND } from "./rtt-write.js";

/** Largest NIP-11 JSON carried as content; a bigger one is left out (relays cap messages). */
export const DEFAULT_MAX_CONTENT_BYTES = 64 * 1024;

export interface RelayDiscoveryInput {
  /** The relay's canonical URL (the `d` tag). */
  url: string;
  network: Network;
  nip11: CheckResult<Nip11Document>;
  checks: Nip66Results;
  /** Unix seconds of the run (the event's created_at). */
  createdAt: number;
  /** Parts to publish; default all. A part whose check did not succeed is absent anyway. */
  include?: readonly DiscoveryPart[];
  /** Kind of the rtt write probe, the one kind a write proves accepted (`k`). Default 30078. */
  writeKind?: number;
  /** Default 64 KiB. */
  maxContentBytes?: number;
}

export type RelayDiscoveryBuild =
  | { ok: true; template: EventTemplate; notes: string[] }
  | { ok: false; reason: "relay-down" | "not-checked"; detail: string };

function liveRtt(rtt: CheckResult<Nip66Rtt>): RelayDiscoveryBuild | Nip66Rtt {
  if (rtt.status === "ok") return rtt.data;
  if (rtt.status === "error") return { ok: false, reason: "relay-down", detail: rtt.reason };
  return { ok: false, reason: "not-checked", detail: `rtt skipped: ${rtt.reason}` };
}

/** `L` then its `l` tags, one namespace after another in LABEL_NAMESPACE_ORDER. */
function labelTags(labels: readonly Label[]): string[][] {
  const tags: string[][] = [];
  for (const namespace of LABEL_NAMESPACE_ORDER) {
    const values = labels.filter((l) => l.namespace === namespace).map((l) => l.value);
    if (values.length === 0) continue;
    tags.push(["L", namespace], ...[...new Set(values)].map((v) => ["l", v, namespace]));
  }
  return tags;
}

function content(doc: Nip11Document | undefined, maxBytes: number, notes: string[]): string {
  if (doc === undefined) return "";
  let json: string;
  try {
    json = canonicalJson(doc);
  } catch (error) {
    notes.push(`content left out: ${error instanceof Error ? error.message : String(error)}`);
    return "";
  }
  const bytes = Buffer.byteLength(json, "utf8");
  if (bytes <= maxBytes) return json;
  notes.push(`content left out: NIP-11 JSON is ${bytes} bytes, over ${maxBytes}`);
  return "";
}

/**
 * The 30166 template of `input.url`, or why there is none: "relay-down" (rtt open failed)
 * or "not-checked" (rtt skipped: disabled or aborted). Never throws.
 */
export function buildRelayDiscovery(input: RelayDiscoveryInput): RelayDiscoveryBuild {
  const rtt = liveRtt(input.checks.rtt);
  if ("ok" in rtt) return rtt;
  const include = new Set<DiscoveryPart>(input.include ?? DISCOVERY_PARTS);
  const nip11 = include.has("nip11") && input.nip11.status === "ok" ? input.nip11.data : undefined;
  const notes: string[] = [];
  const labels: Label[] = [];
  const tags: string[][] = [
    ["d", input.url],
    ["n", input.network],
    ...(include.has("rtt") ? rttTags(rtt) : []),
    ...nip11Tags(nip11, labels, notes),
    ...accessTags(nip11, rtt, input.writeKind ?? WRITE_PROBE_KIND),
    ...probeTags(input.checks, include, labels),
    ...labelTags(labels),
  ];
  const template: EventTemplate = {
    kind: RELAY_DISCOVERY_KIND,
    created_at: input.createdAt,
    tags,
    content: content(nip11, input.maxContentBytes ?? DEFAULT_MAX_CONTENT_BYTES, notes),
  };
  return { ok: true, template, notes };
}

/** `rtt-open`, `rtt-read`, `rtt-write`: only the steps that succeeded. */
function rttTags(rtt: Nip66Rtt): string[][] {
  const tags = [["rtt-open", String(rtt.openMs)]];
  if (rtt.read.status === "ok") tags.push(["rtt-read", String(rtt.read.ms)]);
  if (rtt.write.status === "ok") tags.push(["rtt-write", String(rtt.write.ms)]);
  return tags;
}
