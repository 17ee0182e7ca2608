// TEMPORARY: stands in for src/models/{relay,event-relay,metadata,metadata-type,relay-metadata,
// service-state}.ts until they land; removed then.
import { createHash } from "node:crypto";
import type { Network } from "../../models/network.js";

export interface Relay {
  url: string;
  network: Network;
  discoveredAt: number;
}

export interface EventRelay {
  eventId: string;
  relayUrl: string;
  seenAt: number;
}

export type MetadataType =
  | "nip11_info"
  | "nip66_rtt"
  | "nip66_ssl"
  | "nip66_geo"
  | "nip66_net"
  | "nip66_dns"
  | "nip66_http";

export interface RelayMetadata {
  relayUrl: string;
  metadataId: Buffer;
  metadataType: MetadataType;
  generatedAt: number;
}

export type StateType = "checkpoint" | "cursor" | "candidate";

export interface ServiceState {
  serviceName: string;
  stateType: StateType;
  stateKey: string;
  stateValue: Record<string, unknown>;
  updatedAt?: number;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : 1,
    );
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

export function metadataId(value: unknown): Buffer {
  return createHash("sha256").update(canonicalJson(value), "utf8").digest();
}
