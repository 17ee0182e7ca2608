/**
 * The open-data files' columns (docs/export.md). Ids, keys and signatures are lowercase hex
 * text, times are unix seconds (INT64), tags are the event's JSON array as text (JSON type).
 * In a lilbrotr archive tags, content and sig are null: it does not keep them.
 */
import type { ColumnSpec } from "./parquet-table.js";

export const EVENT_COLUMNS: readonly ColumnSpec[] = [
  { name: "id", type: "STRING", unique: true },
  { name: "pubkey", type: "STRING" },
  { name: "created_at", type: "INT64" },
  { name: "kind", type: "INT32" },
  { name: "tags", type: "JSON", optional: true, unique: true },
  { name: "content", type: "STRING", optional: true, unique: true },
  { name: "sig", type: "STRING", optional: true, unique: true },
];

export const SIGHTING_COLUMNS: readonly ColumnSpec[] = [
  { name: "event_id", type: "STRING" },
  { name: "relay_url", type: "STRING" },
  { name: "seen_at", type: "INT64" },
];

export const RELAY_COLUMNS: readonly ColumnSpec[] = [
  { name: "url", type: "STRING" },
  { name: "network", type: "STRING" },
  { name: "discovered_at", type: "INT64" },
];

export const CHECK_COLUMNS: readonly ColumnSpec[] = [
  { name: "relay_url", type: "STRING" },
  { name: "type", type: "STRING" },
  { name: "generated_at", type: "INT64" },
  { name: "metadata_id", type: "STRING" },
  { name: "data", type: "JSON", unique: true },
];
