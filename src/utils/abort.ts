/**
 * Listening to one AbortSignal from many operations at once. A cycle hands its signal to
 * every probe, request and subscription it starts, 30 or more at a time; a listener each
 * would trip Node's leak detector (MaxListenersExceededWarning past 10 on one signal) even
 * though every one is removed when its operation ends. Here each signal gets one real
 * 'abort' listener that calls the registered callbacks, and loses it with the last callback.
 */
interface Fanout {
  readonly callbacks: Set<() => void>;
  readonly fire: () => void;
}

const fanouts = new WeakMap<AbortSignal, Fanout>();

function fanoutOf(signal: AbortSignal): Fanout {
  const existing = fanouts.get(signal);
  if (existing) return existing;
  const callbacks = new Set<() => void>();
  const fire = () => {
    fanouts.delete(signal);
    // A callback removed by an earlier one (its operation ended) is not called, as with
    // removeEventListener during dispatch.
    for (const callback of callbacks) {
      try {
        callback();
      } catch (error) {
        // Reported like a throwing event listener, without skipping the others.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
    callbacks.clear();
  };
  const fanout = { callbacks, fire };
  fanouts.set(signal, fanout);
  signal.addEventListener("abort", fire, { once: true });
  return fanout;
}

/**
 * Calls `callback` when `signal` aborts and returns the function that unregisters it (call
 * it when the operation ends). Like addEventListener, nothing happens for a signal that has
 * already aborted: check `signal.aborted` first.
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  if (signal.aborted) return () => {};
  const fanout = fanoutOf(signal);
  // A wrapper of our own, so one function registered twice is two registrations.
  const registration = () => callback();
  fanout.callbacks.add(registration);
  return () => {
    if (!fanout.callbacks.delete(registration) || fanout.callbacks.size > 0) return;
    if (fanouts.get(signal) === fanout) fanouts.delete(signal);
    signal.removeEventListener("abort", fanout.fire);
  };
}
