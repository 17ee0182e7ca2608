import type { MetadataType } from "./metadata-type.js";

/**
 * One check snapshot linking a relay to a content-addressed metadata row.
 */
export interface RelayMetadata {
  relayUrl: string;
  /** SHA-256 of the canonical JSON (32 bytes). */
  metadataId: Buffer;
  metadataType: MetadataType;
  /** Unix seconds when the check ran. */
  generatedAt: number;
}
