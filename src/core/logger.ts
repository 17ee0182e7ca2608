import { Writable } from "node:stream";
import pino from "pino";

export type Logger = pino.Logger;
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal";
export const LOG_LEVELS: readonly LogLevel[] = ["trace", "debug", "info", "warn", "error", "fatal"];

export interface LoggerOptions {
  level: LogLevel;
  /** "text": readable `key=value` lines (terminals); "json": one JSON object per line. */
  format: "text" | "json";
  /** Where lines go (the CLI passes stdout). */
  destination: NodeJS.WritableStream;
}

const MAX_VALUE_CHARS = 1000;
const LEVEL_NAMES: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};
const RESERVED = new Set(["level", "time", "msg", "service", "pid", "hostname"]);

/** Formats one value for a key=value line: quoted when empty or holding spaces, = or quotes. */
export function formatValue(value: unknown): string {
  let text =
    typeof value === "string"
      ? value
      : value instanceof Object
        ? JSON.stringify(value)
        : String(value);
  if (text.length > MAX_VALUE_CHARS) {
    text = `${text.slice(0, MAX_VALUE_CHARS)}...<truncated ${text.length - MAX_VALUE_CHARS} chars>`;
  }
  if (text === "" || /[\s="'\\]/.test(text)) return JSON.stringify(text);
  return text;
}

/** `12:00:01.123 INFO  finder cycle_completed relays=3 found=12` from a pino JSON record. */
export function formatTextLine(record: Record<string, unknown>): string {
  const time = new Date(Number(record.time)).toISOString().slice(11, 23);
  const level = (LEVEL_NAMES[Number(record.level)] ?? String(record.level)).padEnd(5);
  const parts = [time, level];
  if (record.service !== undefined) parts.push(String(record.service));
  parts.push(String(record.msg ?? ""));
  for (const [key, value] of Object.entries(record)) {
    if (RESERVED.has(key) || value === undefined) continue;
    if (key === "err" && value && typeof value === "object") {
      const err = value as { type?: string; message?: string };
      parts.push(`error=${formatValue(`${err.type ?? "Error"}: ${err.message ?? ""}`)}`);
      continue;
    }
    parts.push(`${key}=${formatValue(value)}`);
  }
  return `${parts.join(" ")}\n`;
}

function textStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (!line) continue;
        try {
          out.write(formatTextLine(JSON.parse(line) as Record<string, unknown>));
        } catch {
          out.write(`${line}\n`);
        }
      }
      done();
    },
  });
}

/** Paths whose values never reach a log line, whatever the caller passes. */
export const REDACTED_PATHS = [
  "password",
  "*.password",
  "privateKey",
  "*.privateKey",
  "secretKey",
  "*.secretKey",
  "databaseUrl",
  "*.databaseUrl",
];

/** The root logger. Events are the message (`cycle_completed`); data goes in fields. */
export function createLogger(options: LoggerOptions): Logger {
  const out = options.destination;
  const stream = options.format === "text" ? textStream(out) : out;
  return pino(
    {
      level: options.level,
      base: null,
      messageKey: "msg",
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.epochTime,
      formatters: { level: (_label, number) => ({ level: number }) },
    },
    stream as pino.DestinationStream,
  );
}

/** Removes the password from a connection URL so it can be logged. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "[unparseable url]";
  }
}
