import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * Every statement on a shared table lives in its owner in src/core/db (house style, "Where SQL
 * lives"); services call those functions. dependency-cruiser keeps the driver and the SQL
 * helpers out of services (.dependency-cruiser.cjs, services-no-sql); this catches SQL text
 * that would reach the database some other way (ctx.db.query).
 */
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SERVICES = join(ROOT, "src/services");

const SHARED = "relay|event|event_relay|metadata|relay_metadata|service_state";
const SQL = new RegExp(
  `INSERT INTO|\\bUPDATE\\b|DELETE FROM|\\b(FROM|JOIN) (${SHARED})\\b|\\.query\\s*[<(]`,
);

/** `file:line: text` of every line of `files` that looks like SQL or a driver call. */
async function sqlLines(root: string, files: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const file of files) {
    const lines = (await readFile(join(root, file), "utf8")).split("\n");
    lines.forEach((line, i) => {
      if (SQL.test(line)) found.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  return found;
}

async function serviceFiles(): Promise<string[]> {
  const entries = await readdir(SERVICES, { recursive: true });
  return entries
    .filter((f) => f.endsWith(".ts"))
    .map((f) => relative(ROOT, join(SERVICES, f)))
    .sort();
}

describe("services hold no SQL on shared tables", () => {
  it("finds none in src/services/**/*.ts", async () => {
    const files = await serviceFiles();
    expect(files.length).toBeGreaterThan(10);
    expect(await sqlLines(ROOT, files)).toEqual([]);
  });

  it("would name the file and line of one", async () => {
    const owner = "src/core/db/service-state/candidates.ts";
    const lines = await sqlLines(ROOT, [owner]);
    expect(
      lines.some((l) => l.startsWith(`${owner}:`) && l.includes("INSERT INTO service_state")),
    ).toBe(true);
  });
});
