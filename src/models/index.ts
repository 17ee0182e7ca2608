/** Public API of the pure models layer. */
export {
  computeEventId,
  type EventValidation,
  hasLoneSurrogate,
  hasNulChar,
  hasValidId,
  type IdForm,
  idMatch,
  MAX_INDEXED_TAG_VALUE_BYTES,
  serializeEvent,
  serializeEventJson,
  tagValues,
  unstorableReason,
  validateEvent,
} from "./event.js";
export type { EventRelay } from "./event-relay.js";
export type { Filter, NostrEvent } from "./event-types.js";
export { type FilterValidation, matchFilter, matchFilters, validateFilter } from "./filter.js";
export { isPrivateAddress } from "./ip-range.js";
export {
  buildMetadata,
  CanonicalJsonError,
  type CanonicalValue,
  canonicalJson,
  Float,
  MAX_CANONICAL_DEPTH,
  type Metadata,
  metadataId,
  sanitizeForCanonical,
} from "./metadata.js";
export { METADATA_TYPES, type MetadataType } from "./metadata-type.js";
export { isOverlay, NETWORKS, type Network } from "./network.js";
export type { Relay } from "./relay.js";
export type { RelayMetadata } from "./relay-metadata.js";
export {
  DEFAULT_MAX_URL_LENGTH,
  parseRelayUrl,
  type RelayUrlResult,
} from "./relay-url.js";
export { type ServiceState, STATE_TYPES, type StateType } from "./service-state.js";
