import { spawn } from "node:child_process";
import { openSync } from "node:fs";
import { run, waitFor } from "./run.js";

/** True when the Docker daemon answers. */
async function dockerAnswers(): Promise<boolean> {
  const r = await run("docker", ["info", "--format", "{{.ServerVersion}}"], { allowFailure: true });
  return r.code === 0;
}

/**
 * Makes sure a Docker daemon runs: when none answers and we are root, starts the machine's
 * dockerd (Debian's docker.io) in the background, logging to `log`, and waits for it.
 */
export async function ensureDocker(log: string): Promise<"running" | "started"> {
  if (await dockerAnswers()) return "running";
  if (process.getuid?.() !== 0) {
    throw new Error("no Docker daemon answers; start it (or run as root so this script can)");
  }
  const out = openSync(log, "a");
  const child = spawn("dockerd", [], { detached: true, stdio: ["ignore", out, out] });
  child.on("error", (err) => console.error(`dockerd: ${err.message}`));
  child.unref();
  await waitFor("dockerd to answer", 60, async () => ((await dockerAnswers()) ? true : undefined));
  return "started";
}

export async function imageExists(tag: string): Promise<boolean> {
  const r = await run("docker", ["image", "inspect", tag], { allowFailure: true });
  return r.code === 0;
}

/** docker build with no network at all: everything the build needs is in the base image. */
export async function buildImage(opts: {
  tag: string;
  dockerfile: string;
  context: string;
  args: Record<string, string>;
  log: string;
}): Promise<void> {
  const buildArgs = Object.entries(opts.args).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
  await run(
    "docker",
    [
      "build",
      "--network",
      "none",
      "-f",
      opts.dockerfile,
      "-t",
      opts.tag,
      ...buildArgs,
      opts.context,
    ],
    { log: opts.log },
  );
}
