import { describe, expect, it } from "vitest";
import { findTool, skipWithout, toolPath, underCi } from "../../support/external-tool.js";

const missing = findTool("nosuchtool", ["/nonexistent/nosuchtool"], "apt-get install nosuchtool");
const node = findTool("node", ["/nonexistent/node", process.execPath], "apt-get install nodejs");

describe("external tools for tests", () => {
  it("finds the first candidate that answers --version", () => {
    expect(node.path).toBe(process.execPath);
    expect(missing.path).toBeUndefined();
  });

  it("skips without the tool on a developer machine, never under CI", () => {
    expect(skipWithout(missing, {})).toBe(true);
    expect(skipWithout(missing, { CI: "false" })).toBe(true);
    expect(skipWithout(missing, { CI: "true" })).toBe(false);
    expect(skipWithout(missing, { CI: "1" })).toBe(false);
    expect(skipWithout(node, {})).toBe(false);
    expect(underCi({ CI: "true" })).toBe(true);
    expect(underCi({})).toBe(false);
  });

  it("fails with the name and the install step when a CI run lacks the tool", () => {
    expect(toolPath(node)).toBe(process.execPath);
    expect(() => toolPath(missing)).toThrow(
      "nosuchtool is required under CI (CI=true) but was not found; install it: apt-get install nosuchtool",
    );
  });
});
