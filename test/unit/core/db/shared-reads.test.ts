import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * core/db/read/ holds only reads that several consumers share (docs/architecture.md, "Where
 * database code lives"); a read with one consumer lives with its owner: a saved document's
 * file in service-state/, a table owner, core/db/api/ (the API) or core/db/status/ (the CLI).
 * A consumer is a service folder, the API, the CLI or core itself.
 */
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const READ = "src/core/db/read/";
/** Waiting for its move (the statistics rewrite, issue B). */
const EXEMPT = new Set([`${READ}statistics.ts`]);

/** Relative import specifiers of a source file (static, type-only and dynamic imports). */
function importsOf(text: string): string[] {
  const found = text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g);
  return [...found].map((m) => m[1] as string);
}

/** Who a source file is, as a consumer of the database code. */
function consumerOf(file: string): string {
  const service = /^src\/services\/([^/]+)\//.exec(file);
  if (service) return `services/${service[1]}`;
  return /^src\/([^/]+)/.exec(file)?.[1] ?? file;
}

/** Every file of core/db/read/ with the distinct consumers that import it. */
async function consumersOfReads(): Promise<Map<string, Set<string>>> {
  const files = (await readdir(join(ROOT, "src"), { recursive: true }))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => `src/${f}`);
  const consumers = new Map<string, Set<string>>(
    files.filter((f) => f.startsWith(READ)).map((f) => [f, new Set()]),
  );
  // A read's helper in read/ (imported by other reads only) serves their consumers.
  const helpedBy = new Map<string, string[]>();
  for (const file of files) {
    const text = await readFile(join(ROOT, file), "utf8");
    for (const spec of importsOf(text)) {
      const target = relative(ROOT, resolve(ROOT, dirname(file), spec)).replace(/\.js$/, ".ts");
      if (!consumers.has(target)) continue;
      if (file.startsWith(READ)) helpedBy.set(target, [...(helpedBy.get(target) ?? []), file]);
      else consumers.get(target)?.add(consumerOf(file));
    }
  }
  for (const [helper, reads] of helpedBy) {
    for (const read of reads)
      for (const c of consumers.get(read) ?? []) consumers.get(helper)?.add(c);
  }
  return consumers;
}

describe("core/db/read/ holds only shared reads", () => {
  it("finds the imports of a file (static, type-only, dynamic)", () => {
    const text = `import { a } from "./a.js";\nimport type { B } from "../b.js";
      export { c } from "./c.js"; const d = await import("../../d.js"); import "pg";`;
    expect(importsOf(text)).toEqual(["./a.js", "../b.js", "./c.js", "../../d.js"]);
  });

  it("every read there has at least two consumers", async () => {
    const consumers = await consumersOfReads();
    expect(consumers.size).toBeGreaterThan(0);
    const single = [...consumers]
      .filter(([file, by]) => by.size < 2 && !EXEMPT.has(file))
      .map(([file, by]) => `${file}: only ${[...by].join(", ") || "nobody"}`);
    expect(single, "move each to its one consumer's owner module").toEqual([]);
  });
});
