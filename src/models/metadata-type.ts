/** Kinds of check result stored in `metadata.type` (the second half of its primary key). */
export const METADATA_TYPES = [
  "nip11_info",
  "nip66_rtt",
  "nip66_ssl",
  "nip66_geo",
  "nip66_net",
  "nip66_dns",
  "nip66_http",
] as const;

export type MetadataType = (typeof METADATA_TYPES)[number];
