import { expect } from "vitest";
import { ConfigError } from "../../src/models/errors.js";

/** Runs `fn`, which must throw a ConfigError, and returns its issues (one per YAML path). */
export function configIssues(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  throw new Error("expected a ConfigError");
}
