import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { onAbort } from "../../../src/utils/abort.js";
import { deadline, untilAborted } from "../../../src/utils/transport.js";

const listeners = (signal: AbortSignal) => getEventListeners(signal, "abort").length;

describe("onAbort", () => {
  it("puts one listener on the signal however many operations wait on it", () => {
    const controller = new AbortController();
    const called: number[] = [];
    const offs = Array.from({ length: 50 }, (_, i) =>
      onAbort(controller.signal, () => called.push(i)),
    );
    expect(listeners(controller.signal)).toBe(1);
    offs[3]?.();
    controller.abort();
    expect(called).toHaveLength(49);
    expect(called).not.toContain(3);
    expect(listeners(controller.signal)).toBe(0);
  });

  it("removes the listener with the last registration", () => {
    const controller = new AbortController();
    let calls = 0;
    const a = onAbort(controller.signal, () => calls++);
    const b = onAbort(controller.signal, () => calls++);
    a();
    a();
    expect(listeners(controller.signal)).toBe(1);
    b();
    expect(listeners(controller.signal)).toBe(0);
    // A later registration gets a listener again.
    const c = onAbort(controller.signal, () => calls++);
    expect(listeners(controller.signal)).toBe(1);
    controller.abort();
    c();
    expect(calls).toBe(1);
  });

  it("counts one function registered twice as two registrations", () => {
    const controller = new AbortController();
    let calls = 0;
    const fn = () => calls++;
    const first = onAbort(controller.signal, fn);
    onAbort(controller.signal, fn);
    first();
    controller.abort();
    expect(calls).toBe(1);
  });

  it("skips a callback that an earlier one unregistered, and ignores an aborted signal", () => {
    const controller = new AbortController();
    const called: string[] = [];
    let offB = () => {};
    onAbort(controller.signal, () => {
      called.push("a");
      offB();
    });
    offB = onAbort(controller.signal, () => called.push("b"));
    controller.abort();
    expect(called).toEqual(["a"]);
    const late = onAbort(controller.signal, () => called.push("late"));
    late();
    expect(called).toEqual(["a"]);
  });
});

describe("deadline and untilAborted on one shared signal", () => {
  it("add a single listener to the parent for 40 concurrent operations and none after", async () => {
    const parent = new AbortController();
    const limits = Array.from({ length: 20 }, () => deadline(60_000, parent.signal));
    const pending = Array.from({ length: 20 }, () =>
      untilAborted(new Promise(() => {}), parent.signal).catch((e: unknown) => e),
    );
    expect(listeners(parent.signal)).toBe(1);
    for (const limit of limits.slice(0, 10)) limit.clear();
    expect(listeners(parent.signal)).toBe(1);
    parent.abort(new Error("shutdown"));
    expect(limits.slice(10).every((l) => l.signal.aborted)).toBe(true);
    expect(limits.slice(0, 10).some((l) => l.signal.aborted)).toBe(false);
    expect((await Promise.all(pending)).every((e) => (e as Error).message === "shutdown")).toBe(
      true,
    );
    for (const limit of limits) limit.clear();
    expect(listeners(parent.signal)).toBe(0);
  });
});
