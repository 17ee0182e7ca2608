/** One request/reply exchange (publish → OK, COUNT → COUNT) with timeout, abort and disconnect. */
import { onAbort } from "../../utils/abort.js";
import { RelayTimeoutError, type TimeoutPhase } from "./errors.js";

export interface ReplyOptions {
  phase: TimeoutPhase;
  timeoutMs: number;
  signal?: AbortSignal;
  /** The connection's disconnect hooks: a disconnect rejects the pending reply. */
  disconnectHooks: Set<(error: Error) => void>;
}

/** Sends the request and installs listeners; returns their cleanup. */
export type ReplyStart<T> = (
  resolve: (value: T) => void,
  reject: (error: Error) => void,
) => () => void;

/** Runs `start` and settles with its reply; every listener and timer is removed on settle. */
export function awaitReply<T>(options: ReplyOptions, start: ReplyStart<T>): Promise<T> {
  const { signal, timeoutMs, disconnectHooks } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    let cleanup: (() => void) | undefined;
    let settled = false;
    let off = () => {};
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      off();
      disconnectHooks.delete(onDisconnect);
      cleanup?.();
      outcome();
    };
    const fail = (error: Error) => settle(() => reject(error));
    const onDisconnect = (error: Error) => fail(error);
    const timer = setTimeout(
      () => fail(new RelayTimeoutError(options.phase, timeoutMs)),
      timeoutMs,
    );
    if (signal) off = onAbort(signal, () => fail(signal.reason));
    disconnectHooks.add(onDisconnect);
    cleanup = start((value) => settle(() => resolve(value)), fail);
    if (settled) cleanup();
  });
}
