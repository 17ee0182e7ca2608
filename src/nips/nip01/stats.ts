/**
 * Counters of what a relay sent us (rejects are counted here instead of thrown) and of how
 * the consumers kept up with it.
 */
export interface RelayStats {
  /** Every frame received, whatever it was. */
  frames: number;
  /** Payload bytes of the frames received and sent (WebSocket framing left out). */
  bytesReceived: number;
  bytesSent: number;
  /** Events accepted and handed to a consumer. */
  events: number;
  /** EVENT payloads that are not a well-formed event. */
  invalid: number;
  /** Events whose id is not the hash of their content. */
  badId: number;
  /** Events that match none of the REQ's filters. */
  mismatched: number;
  /** Events the `verify` function rejected. */
  badSig: number;
  /** Frames that are not a known relay message (not JSON, binary, unknown type…). */
  garbageFrames: number;
  notices: number;
  /** Frames larger than the payload cap (the socket is closed with 1009). */
  oversized: number;
  /** Frames for a subscription id we do not have open (late frames after CLOSE included). */
  unknownSub: number;
  /** Largest queue one REQ reached (accepted + awaiting verification), see maxQueuedEvents. */
  peakQueued: number;
  /** Times reading from the socket was paused because a consumer fell behind. */
  readPauses: number;
}

export function emptyStats(): RelayStats {
  return {
    frames: 0,
    bytesReceived: 0,
    bytesSent: 0,
    events: 0,
    invalid: 0,
    badId: 0,
    mismatched: 0,
    badSig: 0,
    garbageFrames: 0,
    notices: 0,
    oversized: 0,
    unknownSub: 0,
    peakQueued: 0,
    readPauses: 0,
  };
}
