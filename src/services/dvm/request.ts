/**
 * A NIP-90 job request as the DVM reads it: addressed to us (a `p` tag naming our key) or to
 * anyone (no `p` tag), not expired (`exp`), its inputs (`i`) and params (`param`) read from
 * its tags or, for an `encrypted` request, from its NIP-04 content (a JSON array of tags).
 */
import { decrypt } from "nostr-tools/nip04";
import type { NostrEvent } from "../../models/event-types.js";

export interface JobInput {
  value: string;
  type: string;
}

export interface JobRequest {
  event: NostrEvent;
  inputs: JobInput[];
  /** Every value of each param name, in order. */
  params: Map<string, string[]>;
  /** The content (for 5400: NIP-01 filters as JSON); "" for an encrypted request. */
  content: string;
  encrypted: boolean;
}

export type ReadOutcome =
  | { kind: "job"; job: JobRequest }
  /** Not ours to answer (another DVM's, expired): no feedback. */
  | { kind: "ignore"; reason: "other_dvm" | "expired" }
  /** Ours but unreadable: error feedback with this reason. */
  | { kind: "error"; reason: string };

const tagValues = (tags: readonly string[][], name: string) =>
  tags.filter((t) => t[0] === name).map((t) => t[1] ?? "");

function inputsAndParams(tags: readonly string[][]): Pick<JobRequest, "inputs" | "params"> {
  const inputs: JobInput[] = [];
  const params = new Map<string, string[]>();
  for (const t of tags) {
    if (t[0] === "i" && typeof t[1] === "string") inputs.push({ value: t[1], type: t[2] ?? "" });
    if (t[0] === "param" && typeof t[1] === "string" && typeof t[2] === "string") {
      params.set(t[1], [...(params.get(t[1]) ?? []), t[2]]);
    }
  }
  return { inputs, params };
}

function decryptTags(event: NostrEvent, secretKey: Uint8Array): string[][] | string {
  let plain: string;
  try {
    plain = decrypt(secretKey, event.pubkey, event.content);
  } catch {
    return "could not decrypt the request (NIP-04 to this DVM's key expected)";
  }
  try {
    const tags: unknown = JSON.parse(plain);
    const ok =
      Array.isArray(tags) &&
      tags.every((t) => Array.isArray(t) && t.every((v) => typeof v === "string"));
    if (ok) return tags as string[][];
  } catch {
    // falls through
  }
  return "the decrypted content must be a JSON array of tags";
}

/** Reads a job request addressed to `pubkey` (with `secretKey` to decrypt), at `now`. */
export function readJobRequest(
  event: NostrEvent,
  pubkey: string,
  secretKey: Uint8Array,
  now: number,
): ReadOutcome {
  const targets = tagValues(event.tags, "p");
  if (targets.length > 0 && !targets.includes(pubkey))
    return { kind: "ignore", reason: "other_dvm" };
  const exp = Number(tagValues(event.tags, "exp")[0]);
  if (Number.isFinite(exp) && exp > 0 && exp < now) return { kind: "ignore", reason: "expired" };
  const encrypted = event.tags.some((t) => t[0] === "encrypted");
  if (!encrypted) {
    return {
      kind: "job",
      job: { event, ...inputsAndParams(event.tags), content: event.content, encrypted },
    };
  }
  if (!targets.includes(pubkey)) {
    return { kind: "error", reason: "an encrypted request must name this DVM in a p tag" };
  }
  const tags = decryptTags(event, secretKey);
  if (typeof tags === "string") return { kind: "error", reason: tags };
  return { kind: "job", job: { event, ...inputsAndParams(tags), content: "", encrypted } };
}
