/** Persistent progress of a service (`service_state` table, spec §1.8). */
export const STATE_TYPES = ["checkpoint", "cursor", "candidate"] as const;

export type StateType = (typeof STATE_TYPES)[number];

/** A row of service_state, as core/db/service-state/rows.ts reads and writes it. */
export interface ServiceState {
  serviceName: string;
  stateType: StateType;
  stateKey: string;
  stateValue: Record<string, unknown>;
}
