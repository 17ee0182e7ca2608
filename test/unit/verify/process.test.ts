/**
 * The verifier in a real child process, from the TypeScript sources under tsx and from a
 * compiled copy (what dist/ holds): the worker entry must resolve in both, and the process
 * must exit on its own afterwards, with or without close().
 */
import { execFile } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { wasmSignedEvents, withTamperedSig } from "./events.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SRC = path.join(ROOT, "src/utils/verify");
const DIST = path.join(ROOT, "node_modules/.cache/bigbrotr-verify-dist");

let events: NostrEvent[] = [];
beforeAll(async () => {
  const [good] = await wasmSignedEvents(1);
  events = [good!, withTamperedSig(good!)];
});

/** Child script: verify two events on a 2-thread pool, report, maybe close, then fall off the end. */
function script(poolUrl: string, close: boolean): string {
  return `
    import { createVerifier } from ${JSON.stringify(poolUrl)};
    import { resolveWorkerEntry } from ${JSON.stringify(poolUrl.replace("pool.", "worker-pool."))};
    const v = await createVerifier({ threads: 2, inlineBelow: 0 });
    const results = await v.verifyEvents(${JSON.stringify(events)});
    console.log(JSON.stringify({ results, entry: resolveWorkerEntry().file.pathname, backend: v.backend }));
    ${close ? "await v.close();" : ""}`;
}

async function runChild(args: string[]): Promise<{ results: string[]; entry: string }> {
  const { stdout } = await run(process.execPath, args, { cwd: ROOT, timeout: 20_000 });
  return JSON.parse(stdout.trim().split("\n").at(-1) as string);
}

/** Strips types from our sources, file by file, the way tsc -p tsconfig.build.json would. */
async function compileToDist(): Promise<string> {
  await rm(DIST, { recursive: true, force: true });
  await writeFile(path.join(await mkdirs(DIST), "package.json"), '{ "type": "module" }\n');
  // The pool imports the id check from models and the abort fan-out from utils; everything
  // else it needs is in utils/verify.
  const files: string[] = ["utils/abort.ts"];
  for (const dir of ["utils/verify", "models"]) {
    for (const name of await readdir(path.join(ROOT, "src", dir))) {
      if (name.endsWith(".ts")) files.push(`${dir}/${name}`);
    }
  }
  for (const file of files) {
    const { outputText } = ts.transpileModule(
      await readFile(path.join(ROOT, "src", file), "utf8"),
      {
        compilerOptions: {
          module: ts.ModuleKind.ES2022,
          target: ts.ScriptTarget.ES2022,
          verbatimModuleSyntax: true,
        },
        fileName: path.basename(file),
      },
    );
    await mkdirs(path.dirname(path.join(DIST, file)));
    await writeFile(path.join(DIST, file.replace(/\.ts$/, ".js")), outputText);
  }
  return pathToFileURL(path.join(DIST, "utils/verify", "pool.js")).href;
}

async function mkdirs(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}

// Child processes (tsx, a compile of the sources) take seconds on a loaded machine.
describe("verifier in a child process", { timeout: 60_000 }, () => {
  const tsxArgs = (close: boolean) => [
    "--import",
    "tsx",
    "--input-type=module",
    "-e",
    script(pathToFileURL(path.join(SRC, "pool.ts")).href, close),
  ];

  it("under tsx: runs worker.ts and exits after close()", async () => {
    const out = await runChild(tsxArgs(true));
    expect(out.results).toEqual(["ok", "bad-sig"]);
    expect(out.entry).toMatch(/src\/utils\/verify\/worker\.ts$/);
  });

  it("exits even when close() is forgotten (idle workers are unref'd)", async () => {
    expect((await runChild(tsxArgs(false))).results).toEqual(["ok", "bad-sig"]);
  });

  it("compiled to .js: runs worker.js without tsx", async () => {
    const poolUrl = await compileToDist();
    const out = await runChild(["--input-type=module", "-e", script(poolUrl, true)]);
    expect(out.results).toEqual(["ok", "bad-sig"]);
    expect(out.entry).toMatch(/bigbrotr-verify-dist\/utils\/verify\/worker\.js$/);
  });
});
