import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { LocalImages } from "../../../scripts/compose-test/images.js";
import { Stack } from "../../../scripts/compose-test/stack.js";
import { writeTestConfig } from "../../../scripts/compose-test/test-config.js";
import { SERVICES } from "../../../src/cli/services.js";
import { parseConfig } from "../../../src/core/config/load.js";
import { brotrConfigSchema } from "../../../src/core/config/schemas.js";

// What `npm run compose:test` (scripts/compose-test.ts) starts, checked without Docker: the
// patched configs load, and the override leaves no route out and no official image to pull.

const dir = mkdtempSync(join(tmpdir(), "compose-test-setup-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const IMAGES: LocalImages = {
  node: "bigbrotr-compose-test/node:x",
  postgres: "bigbrotr-compose-test/postgres:x",
  pgbouncer: "bigbrotr-compose-test/pgbouncer:x",
  prometheus: "bigbrotr-compose-test/prometheus:x",
  alertmanager: "bigbrotr-compose-test/alertmanager:x",
  "postgres-exporter": "bigbrotr-compose-test/postgres-exporter:x",
};

describe.each(["bigbrotr", "lilbrotr"])("compose:test on %s", (profile) => {
  const stack = new Stack(profile, join(dir, profile), 0);

  it("patches a config that loads, as the containers will load it", () => {
    const config = join(dir, profile, "config");
    writeTestConfig(stack.deploymentDir, config);
    const read = (path: string) => parse(readFileSync(path, "utf8")) ?? {};
    const brotr = parseConfig(brotrConfigSchema, read(join(config, "brotr.yaml")), "brotr.yaml");
    expect(brotr.allow_private).toBe(true);
    for (const file of readdirSync(join(config, "services"))) {
      const entry = SERVICES.find((s) => `${s.name}.yaml` === file);
      expect(() => entry?.validate(read(join(config, "services", file)), file), file).not.toThrow();
    }
  });

  it("runs every started service from a local image on internal networks only", () => {
    const override = stack.override(IMAGES) as {
      services: Record<string, { image: string; build?: { network: string } }>;
      networks: Record<string, { internal: boolean }>;
    };
    const compose = parse(readFileSync(stack.composeFile, "utf8"), { merge: true }) as {
      networks: Record<string, unknown>;
    };
    expect(Object.keys(override.networks).sort()).toEqual(Object.keys(compose.networks).sort());
    for (const net of Object.values(override.networks)) expect(net.internal).toBe(true);
    for (const name of stack.services) {
      expect(override.services[name]?.image, name).toMatch(/^bigbrotr-compose-test\//);
    }
    for (const name of stack.appServices)
      expect(override.services[name]?.build?.network).toBe("none");
    expect(stack.services).not.toContain("tor");
    expect(stack.notRun.join(" ")).toMatch(/tor \(compose profile tor\)/);
  });
});
