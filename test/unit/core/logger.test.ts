import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, formatTextLine, formatValue, redactUrl } from "../../../src/core/logger.js";

function capture(format: "text" | "json") {
  const out: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _e, done) {
      out.push(chunk.toString());
      done();
    },
  });
  return { log: createLogger({ level: "info", format, destination }), out };
}

describe("key=value formatting", () => {
  it.each([
    ["plain", "plain"],
    ["", '""'],
    ["two words", '"two words"'],
    ["a=b", '"a=b"'],
    ['say "hi"', '"say \\"hi\\""'],
    [42, "42"],
    [true, "true"],
    [{ a: 1 }, '"{\\"a\\":1}"'],
  ])("formats %j as %s", (value, expected) => {
    expect(formatValue(value)).toBe(expected);
  });

  it("truncates values over 1000 characters and says how much was cut", () => {
    const text = formatValue("x".repeat(1500));
    expect(text).toBe(JSON.stringify(`${"x".repeat(1000)}...<truncated 500 chars>`));
  });

  it("renders level, service, event and fields on one line", () => {
    const line = formatTextLine({
      level: 30,
      time: Date.UTC(2026, 0, 1, 12, 0, 1, 123),
      service: "finder",
      msg: "cycle_completed",
      found: 3,
      relay: "wss://a.b",
    });
    expect(line).toBe("12:00:01.123 INFO  finder cycle_completed found=3 relay=wss://a.b\n");
  });
});

describe("createLogger", () => {
  it("writes JSON lines with the event as msg", () => {
    const { log, out } = capture("json");
    log.info({ n: 1 }, "thing_happened");
    const record = JSON.parse(out.join(""));
    expect(record).toMatchObject({ level: 30, msg: "thing_happened", n: 1 });
  });

  it("writes readable text lines in text mode", () => {
    const { log, out } = capture("text");
    log.child({ service: "seeder" }).warn({ line: 12, reason: "bad scheme" }, "seed_line_rejected");
    expect(out.join("")).toMatch(
      / WARN {2}seeder seed_line_rejected line=12 reason="bad scheme"\n$/,
    );
  });

  it("never writes secrets, whatever field they come in", () => {
    const { log, out } = capture("json");
    log.info({ password: "hunter2", db: { password: "p" }, privateKey: "nsec1x" }, "config_loaded");
    const text = out.join("");
    expect(text).not.toMatch(/hunter2|nsec1x|"p"/);
    expect(text).toContain("[redacted]");
  });

  it("removes the password from connection URLs", () => {
    expect(redactUrl("postgres://writer:s3cret@db:5432/bigbrotr")).toBe(
      "postgres://writer:***@db:5432/bigbrotr",
    );
  });
});
