/**
 * A live REQ: a subscription that stays open past EOSE and hands on every event the relay
 * pushes, screened like any REQ's (shape, id hash, filter match; rejects counted in the
 * connection's stats). A relay that answers CLOSED "auth-required" is authenticated once
 * (NIP-42, when the client has a key) and asked again. It ends on CLOSED, on disconnect or
 * on close(); `onEnd` is called once, with the reason (undefined after close()).
 */
import type { Filter, NostrEvent } from "../../models/event-types.js";
import type { RelayClient } from "./connection.js";
import { closedError, RelayDisconnectedError } from "./errors.js";
import { encodeClose, encodeReq, splitPrefix } from "./messages.js";
import { screenEvent } from "./screen-frames.js";

export interface LiveReqSink {
  /** A screened event (its id recomputed and matching); `receivedAt` is Date.now(). */
  onEvent(event: NostrEvent, receivedAt: number): void;
  /** The relay has sent what it stored: what follows is new. */
  onEose?(): void;
  onEnd(error: Error | undefined): void;
}

export interface LiveReq {
  readonly subId: string;
  /** Sends CLOSE and stops (idempotent); onEnd(undefined) follows. */
  close(): void;
}

export function openLiveReq(client: RelayClient, filters: Filter[], sink: LiveReqSink): LiveReq {
  let ended = false;
  let authTried = false;
  const end = (error: Error | undefined) => {
    if (ended) return;
    ended = true;
    channel.close();
    sink.onEnd(error);
  };
  const channel = client.openChannel({
    onEvent: (raw) => {
      if (ended) return;
      const event = screenEvent(raw, filters, client.stats);
      if (event === null) return;
      client.stats.events++;
      sink.onEvent(event, Date.now());
    },
    onEose: () => sink.onEose?.(),
    onClosed: (message) => {
      if (ended) return;
      if (splitPrefix(message).prefix !== "auth-required" || authTried) {
        end(closedError(channel.subId, message));
        return;
      }
      authTried = true;
      void client.authenticate().then((ok) => {
        if (ended) return;
        if (ok && channel.send(encodeReq(channel.subId, filters))) return;
        end(closedError(channel.subId, message));
      });
    },
    onDisconnect: (error) => end(error),
  });
  if (!channel.send(encodeReq(channel.subId, filters))) {
    queueMicrotask(() => end(new RelayDisconnectedError("not connected")));
  }
  return {
    subId: channel.subId,
    close: () => {
      if (ended) return;
      channel.send(encodeClose(channel.subId));
      end(undefined);
    },
  };
}
