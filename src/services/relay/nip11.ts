/**
 * The relay's NIP-11 document: what it serves and the limits it enforces, honestly (a
 * read-only archive says `restricted_writes`; a lilbrotr archive says it serves no events).
 */
import type { Profile } from "../../core/db/migrate.js";
import type { RelayConfig } from "./config.js";

/** NIPs served: 1 (REQ/CLOSE; EVENT refused), 11, 45 (COUNT), 77 (negentropy); 42 when auth is on. */
const SUPPORTED_NIPS = [1, 11, 45, 77];

/** Software and version as other relays announce theirs. */
const SOFTWARE = "https://github.com/bigbrotr/bigbrotr";

export function nip11Document(config: RelayConfig, profile: Profile) {
  const { server, limits, auth } = config;
  const lil =
    profile === "lilbrotr"
      ? " This archive (lilbrotr profile) keeps only each event's id, author, kind, time and tag index, not its tags, content or signature: REQ is refused; COUNT and NEG-OPEN (NIP-77) answer from what it keeps."
      : "";
  return {
    name: server.name,
    description: `${server.description} Read-only: EVENT is refused.${lil}`,
    ...(server.contact === undefined ? {} : { contact: server.contact }),
    supported_nips: auth.enabled ? [...SUPPORTED_NIPS, 42].sort((a, b) => a - b) : SUPPORTED_NIPS,
    software: SOFTWARE,
    limitation: {
      max_message_length: limits.max_message_length,
      max_subscriptions: limits.max_subscriptions,
      max_filters: limits.max_filters,
      max_limit: limits.max_limit,
      default_limit: limits.max_limit,
      max_event_tags: 0,
      max_content_length: 0,
      auth_required: auth.enabled && auth.required_for.length > 0,
      payment_required: false,
      restricted_writes: true,
    },
  };
}
