import type pg from "pg";
import { describe, expect, it } from "vitest";
import { runForever, runOnce, type Service, sleep } from "../../../src/core/service.js";
import { createTestContext, metricValue } from "../../support/service-context.js";

function context(signal: AbortSignal) {
  const t = createTestContext({} as pg.Pool, { service: "t", signal });
  return { ctx: t.ctx, lines: t.logs, registry: t.registry };
}

describe("runOnce", () => {
  it("runs cleanup then the cycle and reports success with the cycle's report", async () => {
    const order: string[] = [];
    const service: Service = {
      name: "t",
      cleanup: async () => {
        order.push("cleanup");
        return 2;
      },
      runCycle: async () => {
        order.push("cycle");
        return { found: 3 };
      },
    };
    const { ctx, lines, registry } = context(new AbortController().signal);
    const outcome = await runOnce(service, ctx);
    expect(order).toEqual(["cleanup", "cycle"]);
    expect(outcome.ok).toBe(true);
    expect(outcome.report).toEqual({ found: 3, cleaned: 2 });
    expect(lines.map((l) => l.msg)).toEqual(["cycle_started", "cycle_completed"]);
    expect(await metricValue(registry, "brotr_cycles_total", { outcome: "success" })).toBe(1);
  });

  it("reports a cycle that returned after a shutdown began as interrupted, not completed", async () => {
    const stop = new AbortController();
    const service: Service = {
      name: "t",
      runCycle: async () => {
        stop.abort();
        return { synced: 1 };
      },
    };
    const { ctx, lines, registry } = context(stop.signal);
    const outcome = await runOnce(service, ctx);
    expect(outcome).toMatchObject({ ok: true, interrupted: true, report: { synced: 1 } });
    expect(lines.map((l) => l.msg)).toEqual(["cycle_started", "cycle_interrupted"]);
    expect(await metricValue(registry, "brotr_cycles_total", { outcome: "interrupted" })).toBe(1);
    expect(
      await metricValue(registry, "brotr_cycles_total", { outcome: "success" }),
    ).toBeUndefined();
    expect(await metricValue(registry, "brotr_last_success_timestamp_seconds")).toBeUndefined();
  });

  it("turns a thrown error into a failed outcome counted by error class", async () => {
    class BoomError extends Error {
      override name = "BoomError";
    }
    const service: Service = {
      name: "t",
      runCycle: async () => {
        throw new BoomError("boom");
      },
    };
    const { ctx, lines, registry } = context(new AbortController().signal);
    const outcome = await runOnce(service, ctx);
    expect(outcome.ok).toBe(false);
    expect(outcome.error?.message).toBe("boom");
    expect(lines.at(-1)?.msg).toBe("cycle_failed");
    expect(await metricValue(registry, "brotr_errors_total", { error: "BoomError" })).toBe(1);
    expect(await metricValue(registry, "brotr_cycles_total", { outcome: "failure" })).toBe(1);
  });
});

describe("runForever", () => {
  it("stops after max_consecutive_failures failed cycles in a row", async () => {
    let calls = 0;
    const service: Service = {
      name: "t",
      runCycle: async () => {
        calls++;
        throw new Error("down");
      },
    };
    const { ctx, registry } = context(new AbortController().signal);
    const reason = await runForever(service, ctx, {
      intervalSeconds: 0,
      maxConsecutiveFailures: 3,
    });
    expect(reason).toBe("failure-budget");
    expect(calls).toBe(3);
    expect(await metricValue(registry, "brotr_consecutive_failures", {})).toBe(3);
  });

  it("resets the failure count after a success", async () => {
    const script = [false, false, true, false, false, false];
    let i = 0;
    const service: Service = {
      name: "t",
      runCycle: async () => {
        if (!script[i++]) throw new Error("down");
        return {};
      },
    };
    const { ctx } = context(new AbortController().signal);
    expect(await runForever(service, ctx, { intervalSeconds: 0, maxConsecutiveFailures: 3 })).toBe(
      "failure-budget",
    );
    expect(i).toBe(6);
  });

  it("wakes from its sleep at once when shutdown is requested", async () => {
    const controller = new AbortController();
    let calls = 0;
    const service: Service = {
      name: "t",
      runCycle: async () => {
        calls++;
        return {};
      },
    };
    const { ctx } = context(controller.signal);
    const started = Date.now();
    const run = runForever(service, ctx, { intervalSeconds: 3600, maxConsecutiveFailures: 0 });
    setTimeout(() => controller.abort(), 50);
    expect(await run).toBe("aborted");
    expect(Date.now() - started).toBeLessThan(2000);
    expect(calls).toBe(1);
  });

  it("keeps a fixed cadence: the next cycle starts one interval after the previous start", async () => {
    const controller = new AbortController();
    const starts: number[] = [];
    const service: Service = {
      name: "t",
      runCycle: async () => {
        starts.push(Date.now());
        await sleep(300, controller.signal);
        if (starts.length === 3) controller.abort();
        return {};
      },
    };
    const { ctx } = context(controller.signal);
    await runForever(service, ctx, { intervalSeconds: 0.5, maxConsecutiveFailures: 0 });
    expect(starts).toHaveLength(3);
    const gaps = starts.slice(1).map((t, k) => t - (starts[k] ?? 0));
    for (const gap of gaps) {
      // A cadence measured from the previous end would give 800 ms.
      expect(gap).toBeGreaterThanOrEqual(490);
      expect(gap).toBeLessThan(700);
    }
  });
});
