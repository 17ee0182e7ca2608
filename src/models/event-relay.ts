/** One sighting of an event on a relay (`event_relay` table). */
export interface EventRelay {
  /** 64-char lowercase hex event id. */
  eventId: string;
  relayUrl: string;
  /** Unix seconds when the event was first seen on this relay. */
  seenAt: number;
}
