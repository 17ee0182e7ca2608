/** Persistent progress of a service (`service_state` table, spec §1.8). */
export const STATE_TYPES = ["checkpoint", "cursor", "candidate"] as const;

export type StateType = (typeof STATE_TYPES)[number];

/** @planned data layer: rows of core/db/service-state.ts, the table's owner (no caller yet) */
export interface ServiceState {
  serviceName: string;
  stateType: StateType;
  stateKey: string;
  stateValue: Record<string, unknown>;
}
