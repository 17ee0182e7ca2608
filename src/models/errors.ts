/**
 * The error root of every layer. Utils, nips, core and services extend `BrotrError`, so a
 * caller can tell our failures from a driver's or a bug's with one `instanceof`.
 */

/** Base error of the project: always carries a cause when one exists. */
export class BrotrError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Configuration is invalid; `issues` lists every problem with its YAML path. */
export class ConfigError extends BrotrError {
  readonly issues: readonly string[];
  constructor(message: string, issues: readonly string[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.issues = issues;
  }
}

/**
 * A command-line argument is wrong (`--relay not-a-url`): reported as a usage error, with the
 * option and its reason, exit code 2 like a bad configuration.
 */
export class UsageError extends ConfigError {}

/** Something the caller asked for by key does not exist. */
export class NotFoundError extends BrotrError {}

/** Turns anything thrown into an Error. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === "string") return new Error(value);
  try {
    return new Error(JSON.stringify(value));
  } catch {
    return new Error(String(value));
  }
}
