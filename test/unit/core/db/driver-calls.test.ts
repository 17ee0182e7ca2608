import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * Every statement leaves through the DbError mapping: in src/core/db only sql.ts (`query`,
 * under the cardinality helpers) and copy.ts (COPY streams) call the driver's `query`.
 * test/db/core/db-errors.test.ts checks what a failing statement of each path becomes.
 */
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const DB = join(ROOT, "src/core/db");
const MAPPED = new Set(["src/core/db/sql.ts", "src/core/db/copy.ts"]);
const DRIVER_CALL = /\.query\s*[<(]/;

async function driverCalls(): Promise<string[]> {
  const files = (await readdir(DB, { recursive: true }))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => relative(ROOT, join(DB, f)));
  expect(files.length).toBeGreaterThan(20);
  const found: string[] = [];
  for (const file of files.filter((f) => !MAPPED.has(f))) {
    const lines = (await readFile(join(ROOT, file), "utf8")).split("\n");
    lines.forEach((line, i) => {
      if (DRIVER_CALL.test(line)) found.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  return found;
}

describe("core/db calls the driver only through the DbError mapping", () => {
  it("finds no driver call outside sql.ts and copy.ts", async () => {
    expect(await driverCalls()).toEqual([]);
  });
});
