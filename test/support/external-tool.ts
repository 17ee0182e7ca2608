import { spawnSync } from "node:child_process";

/**
 * A program outside npm that some tests need (Debian's pgbouncer, promtool). On a developer
 * machine without it those tests skip; under CI (CI=true) they run and fail with the reason,
 * so a missing install step cannot pass as a green run that tested less.
 */
export interface ExternalTool {
  name: string;
  /** The first candidate that answered `--version`, undefined when none did. */
  path: string | undefined;
  /** How to get it, for the failure message. */
  install: string;
}

export function findTool(
  name: string,
  candidates: readonly string[],
  install: string,
): ExternalTool {
  const path = candidates.find((p) => spawnSync(p, ["--version"]).status === 0);
  return { name, path, install };
}

/** True under CI, where tests must not skip for want of a tool. */
export function underCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === "true" || env.CI === "1";
}

/** Skip the tests that need `tool`: it is missing and this is not a CI run. */
export function skipWithout(tool: ExternalTool, env: NodeJS.ProcessEnv = process.env): boolean {
  return tool.path === undefined && !underCi(env);
}

/** The tool's path; throws the reason when it is missing (reached only under CI). */
export function toolPath(tool: ExternalTool): string {
  if (tool.path !== undefined) return tool.path;
  throw new Error(
    `${tool.name} is required under CI (CI=true) but was not found; install it: ${tool.install}`,
  );
}
