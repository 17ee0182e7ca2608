/**
 * The events the DVM signs (NIP-90, NIP-89): a job's result (kind request + 1000, with the
 * `request`, `e`, `p` tags and the request's inputs), its feedback (7000 with `status`), and
 * the handler announcement (31990, a `k` tag per job kind). The answer to an `encrypted`
 * request is NIP-04 encrypted to its author and tagged `encrypted`, without the inputs.
 */
import { encrypt } from "nostr-tools/nip04";
import type { NostrEvent } from "../../models/event-types.js";
import { signEvent } from "../../utils/keys.js";
import type { JobRequest } from "./request.js";

export const FEEDBACK_KIND = 7000;
export const HANDLER_KIND = 31990;

export type FeedbackStatus = "processing" | "error" | "success";

export interface Signer {
  secretKey: Uint8Array;
  now(): number;
}

const refs = (request: NostrEvent) => [
  ["e", request.id],
  ["p", request.pubkey],
];

/** Encrypts `text` to the request's author when the request was encrypted. */
function seal(job: Pick<JobRequest, "event" | "encrypted">, text: string, signer: Signer) {
  return job.encrypted ? encrypt(signer.secretKey, job.event.pubkey, text) : text;
}

export function resultEvent(job: JobRequest, content: string, signer: Signer): NostrEvent {
  const inputs = job.encrypted ? [] : job.event.tags.filter((t) => t[0] === "i");
  const tags = [
    ["request", JSON.stringify(job.event)],
    ...refs(job.event),
    ...inputs,
    ...(job.encrypted ? [["encrypted"]] : []),
  ];
  return signEvent(
    {
      kind: job.event.kind + 1000,
      created_at: signer.now(),
      tags,
      content: seal(job, content, signer),
    },
    signer.secretKey,
  );
}

/** A 7000 about `request` (an error's reason in the status tag, as NIP-90 shows). */
export function feedbackEvent(
  job: Pick<JobRequest, "event" | "encrypted">,
  status: FeedbackStatus,
  info: string,
  signer: Signer,
): NostrEvent {
  const tags = [
    ["status", status, ...(info === "" || job.encrypted ? [] : [info])],
    ...refs(job.event),
  ];
  if (job.encrypted) tags.push(["encrypted"]);
  return signEvent(
    {
      kind: FEEDBACK_KIND,
      created_at: signer.now(),
      tags,
      content: info === "" ? "" : seal(job, info, signer),
    },
    signer.secretKey,
  );
}

export interface HandlerProfile {
  name: string;
  about: string;
  d: string;
}

/** The NIP-89 handler announcement of the DVM's job kinds. */
export function handlerEvent(profile: HandlerProfile, kinds: readonly number[], signer: Signer) {
  const content = JSON.stringify({
    name: profile.name,
    about: profile.about,
    encryptionSupported: true,
    nip90Params: {
      "5400": { relay: { required: true }, group: { required: false } },
      "5304": Object.fromEntries(
        ["network", "nip", "software", "country", "max_rtt", "up", "min_uptime"]
          .concat(["uptime_window", "consensus", "limit", "after"])
          .map((name) => [name, { required: false }]),
      ),
    },
  });
  return signEvent(
    {
      kind: HANDLER_KIND,
      created_at: signer.now(),
      tags: [["d", profile.d], ...kinds.map((k) => ["k", String(k)])],
      content,
    },
    signer.secretKey,
  );
}
