import { InvalidArgumentError, Option } from "commander";
import { LOG_LEVELS } from "../core/logger.js";

export function logLevelOption(): Option {
  return new Option("--log-level <level>", "log level").choices(LOG_LEVELS as string[]);
}

export function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError("expected a non-negative integer");
  return n;
}
