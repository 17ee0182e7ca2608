import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { SERVICES } from "../../../src/cli/services.js";
import { parseConfig } from "../../../src/core/config/load.js";
import { brotrConfigSchema } from "../../../src/core/config/schemas.js";

const DEPLOYMENTS = new URL("../../../deployments/", import.meta.url).pathname;
const deployments = readdirSync(DEPLOYMENTS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

/** Every shipped configuration file loads, as `npm start` and the CLI would load it. */
describe.each(deployments)("deployments/%s/config", (name) => {
  const dir = join(DEPLOYMENTS, name, "config");
  it("brotr.yaml and every services/<name>.yaml validate against their schemas", () => {
    const read = (path: string) => parse(readFileSync(path, "utf8")) ?? {};
    expect(() =>
      parseConfig(brotrConfigSchema, read(join(dir, "brotr.yaml")), "brotr.yaml"),
    ).not.toThrow();
    const files = readdirSync(join(dir, "services")).filter((f) => f.endsWith(".yaml"));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const entry = SERVICES.find((s) => `${s.name}.yaml` === file);
      expect(entry, `${name}/${file} names no service`).toBeDefined();
      expect(
        () => entry?.validate(read(join(dir, "services", file)), file),
        `${name}/${file}`,
      ).not.toThrow();
    }
  });
});
