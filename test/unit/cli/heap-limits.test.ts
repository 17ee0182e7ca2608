/**
 * `bigbrotr up` gives a service the heap limit its compose service has (cli/service-process.ts):
 * the catalog's `heapMb` and every compose file's NODE_OPTIONS say the same, service by service.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { SERVICE_COMMANDS } from "../../../src/cli/service-catalog.js";

interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
}

const composeFiles = readdirSync("deployments", { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) =>
    readdirSync(join("deployments", d.name))
      .filter((f) => /^docker-compose.*\.ya?ml$/.test(f))
      .map((f) => join("deployments", d.name, f)),
  );

/** --max-old-space-size of a NODE_OPTIONS value, in MB; undefined when absent. */
function heapOf(nodeOptions: string | undefined): number | undefined {
  const m = /--max-old-space-size=(\d+)/.exec(nodeOptions ?? "");
  return m ? Number(m[1]) : undefined;
}

describe("heap limits of the services", () => {
  it("finds the compose files", () => {
    expect(composeFiles.length).toBeGreaterThanOrEqual(3);
  });

  it.each(composeFiles)("%s gives each service the catalog's limit", (file) => {
    const compose = parse(readFileSync(file, "utf8"), { merge: true }) as {
      services: Record<string, ComposeService>;
    };
    let checked = 0;
    for (const service of Object.values(compose.services)) {
      const entry = SERVICE_COMMANDS.find((c) => c.name === service.command?.[0]);
      if (entry === undefined) continue;
      checked++;
      expect(heapOf(service.environment?.NODE_OPTIONS), entry.name).toBe(entry.heapMb);
    }
    expect(checked).toBeGreaterThanOrEqual(6);
  });

  it("has a limit for the synchronizer", () => {
    expect(SERVICE_COMMANDS.find((c) => c.name === "synchronizer")?.heapMb).toBe(256);
  });
});
