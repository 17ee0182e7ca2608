import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ConnectionLost } from "../../../src/core/db/errors.js";
import { createDbOutage } from "../../../src/core/db-outage.js";
import { createLogger } from "../../../src/core/logger.js";

function memoryLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: createLogger({ level: "debug", format: "json", destination }), lines };
}

const refused = () =>
  Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });

describe("createDbOutage", () => {
  it("logs the start once, the end once, and starts again on the next outage", () => {
    const { log, lines } = memoryLogger();
    let now = 1000;
    const outage = createDbOutage(log, () => now);
    outage.succeeded();
    expect(outage.failed(refused())).toBeInstanceOf(ConnectionLost);
    expect(outage.active).toBe(true);
    now = 1500;
    expect(outage.failed(new Error("Connection terminated unexpectedly"))).toBeInstanceOf(
      ConnectionLost,
    );
    now = 4000;
    outage.succeeded();
    outage.succeeded();
    expect(outage.active).toBe(false);
    outage.failed(refused());
    expect(lines.map(({ time: _t, ...rest }) => rest)).toEqual([
      {
        level: 40,
        msg: "database_unavailable",
        reason: "connect ECONNREFUSED 127.0.0.1:5432",
        code: "ECONNREFUSED",
      },
      { level: 30, msg: "database_available", downMs: 3000, failures: 2 },
      {
        level: 40,
        msg: "database_unavailable",
        reason: "connect ECONNREFUSED 127.0.0.1:5432",
        code: "ECONNREFUSED",
      },
    ]);
  });

  it("ignores failures that are not the database being unreachable", () => {
    const { log, lines } = memoryLogger();
    const outage = createDbOutage(log);
    const unique = Object.assign(new Error("duplicate key"), { code: "23505" });
    expect(outage.failed(unique)).toBeUndefined();
    expect(outage.failed(new TypeError("a bug"))).toBeUndefined();
    expect(outage.failed("text")).toBeUndefined();
    expect(outage.active).toBe(false);
    expect(lines).toEqual([]);
  });

  it("takes the reason of an AggregateError from its first member", () => {
    // What net.connect gives when every address of a name (::1, 127.0.0.1) refused.
    const aggregate = Object.assign(
      new AggregateError([
        Object.assign(new Error("connect ECONNREFUSED ::1:5432"), { code: "ECONNREFUSED" }),
        refused(),
      ]),
      { code: "ECONNREFUSED" },
    );
    const lost = createDbOutage(memoryLogger().log).failed(aggregate);
    expect(lost?.message).toBe("connect ECONNREFUSED ::1:5432");
  });

  it("finds the outage behind a wrapper's cause", () => {
    const { log } = memoryLogger();
    const wrapped = new Error("cycle step failed", { cause: refused() });
    expect(createDbOutage(log).failed(wrapped)?.code).toBe("ECONNREFUSED");
  });

  it("counts a pool with no connection free in time as an outage (a frozen server holds them all)", () => {
    // Found by the soak: with PostgreSQL frozen (SIGSTOP) the synchronizer's cycle failed with
    // pg-pool's "timeout exceeded when trying to connect" and an error-level stack trace.
    const { log, lines } = memoryLogger();
    const outage = createDbOutage(log);
    const lost = outage.failed(new Error("timeout exceeded when trying to connect"));
    expect(lost).toBeInstanceOf(ConnectionLost);
    expect(outage.active).toBe(true);
    expect(lines.map((l) => [l.level, l.msg, l.reason])).toEqual([
      [
        40,
        "database_unavailable",
        "no database connection came free within the connection timeout",
      ],
    ]);
  });

  it("does not open a new outage for work that began before the last one ended", () => {
    // One outage state serves a whole process: a statement of the cycle held by a frozen
    // server may fail (its client-side timer) just after the live loop saw the database back.
    const { log, lines } = memoryLogger();
    const outage = createDbOutage(log);
    const began = outage.epoch;
    outage.failed(refused(), began);
    const laterWork = outage.epoch;
    outage.succeeded();
    expect(outage.epoch).toBe(began + 1);
    // Began during the outage, failed after it ended: the old outage's tail, not news.
    expect(outage.failed(refused(), laterWork)).toBeInstanceOf(ConnectionLost);
    expect(outage.active).toBe(false);
    // Began after the end (or unknown): a new outage.
    outage.failed(refused(), outage.epoch);
    expect(outage.active).toBe(true);
    expect(lines.map((l) => l.msg)).toEqual([
      "database_unavailable",
      "database_available",
      "database_unavailable",
    ]);
  });
});
