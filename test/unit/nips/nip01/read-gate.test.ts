import { describe, expect, it } from "vitest";
import { ReadGate } from "../../../../src/nips/nip01/read-gate.js";

/** A gate over a socket that records what it was told, and the changes it reported. */
function gate() {
  const calls: string[] = [];
  const socket = { pause: () => calls.push("pause"), resume: () => calls.push("resume") };
  const g = new ReadGate(socket, (paused) => calls.push(paused ? "paused" : "resumed"));
  return { g, calls };
}

describe("ReadGate", () => {
  it("pauses for the first holder and resumes when the last lets go", () => {
    const { g, calls } = gate();
    const [a, b] = [{}, {}];
    g.hold(a);
    g.hold(b);
    g.hold(a);
    expect(calls).toEqual(["pause", "paused"]);
    g.release(a);
    expect(g.paused).toBe(true);
    g.release(a);
    expect(calls).toEqual(["pause", "paused"]);
    g.release(b);
    expect(g.paused).toBe(false);
    expect(calls).toEqual(["pause", "paused", "resume", "resumed"]);
  });

  it("ignores a release from something that does not hold it", () => {
    const { g, calls } = gate();
    g.hold({});
    g.release({});
    expect(g.paused).toBe(true);
    expect(calls).toEqual(["pause", "paused"]);
  });

  it("reads on for good once closed", () => {
    const { g, calls } = gate();
    const a = {};
    g.hold(a);
    g.close();
    g.hold({});
    g.release(a);
    g.close();
    expect(g.paused).toBe(false);
    expect(calls).toEqual(["pause", "paused", "resume", "resumed"]);
  });
});
