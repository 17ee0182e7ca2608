/**
 * A service run as its own process (`bin/bigbrotr.js <service> --once …`), its peak RSS read
 * from the kernel's high-water mark (VmHWM), so that what is measured is that process alone:
 * nothing a bench process loaded or left on its heap before.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import {
  collectOutput,
  logLines,
  startServiceProcess,
} from "../../test/support/service-process.js";

export interface ServiceRun {
  seconds: number;
  peakRssMb: number;
  /** The service's `cycle_completed` log line. */
  report: Record<string, unknown>;
}

async function highWaterMb(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? null : Number(kb) / 1024;
  } catch {
    return null;
  }
}

/** Runs `service --once` with the given YAML files on `databaseUrl`; throws if it fails. */
export async function runServiceProcess(options: {
  service: string;
  args: readonly string[];
  brotrYaml: string;
  serviceYaml: string;
  databaseUrl: string;
  /** Added to the environment (NODE_OPTIONS as a deployment sets it). */
  env?: NodeJS.ProcessEnv;
}): Promise<ServiceRun> {
  const dir = await mkdtemp(join(tmpdir(), "bigbrotr-bench-svc-"));
  try {
    await mkdir(join(dir, "services"));
    await writeFile(join(dir, "brotr.yaml"), options.brotrYaml);
    const servicePath = join(dir, "services", `${options.service}.yaml`);
    await writeFile(servicePath, options.serviceYaml);
    const t0 = performance.now();
    const child = startServiceProcess(
      options.service,
      dir,
      servicePath,
      options.databaseUrl,
      options.args,
      options.env ?? {},
    );
    let peak = 0;
    const sample = async () => {
      const mb = child.pid === undefined ? null : await highWaterMb(child.pid);
      if (mb !== null) peak = Math.max(peak, mb);
    };
    const timer = setInterval(() => void sample(), 50);
    const { code, stdout, stderr } = await collectOutput(child);
    clearInterval(timer);
    const seconds = (performance.now() - t0) / 1000;
    if (code !== 0)
      throw new Error(`${options.service} exited with ${code}: ${stderr.slice(-2000)}`);
    const completed = logLines(stdout, "cycle_completed")[0];
    if (!completed) throw new Error(`${options.service} logged no cycle_completed line`);
    return { seconds, peakRssMb: peak, report: completed };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
