import { readdir, readFile } from "node:fs/promises";

const TICKS_PER_SECOND = 100;

async function statOf(pid: string): Promise<{ ppid: number; cpu: number } | null> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { ppid: Number(fields[1]), cpu: ticks / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) used so far by the server: postmaster and its live children. */
export async function serverCpuSeconds(postmasterPid: number): Promise<number> {
  let total = 0;
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await statOf(entry);
    if (stat && (stat.ppid === postmasterPid || Number(entry) === postmasterPid)) total += stat.cpu;
  }
  return total;
}

/** CPU seconds (user + system) used so far by another process (0 once it is gone). */
export async function processCpuSeconds(pid: number): Promise<number> {
  return (await statOf(String(pid)))?.cpu ?? 0;
}

/** CPU seconds used by this Node process. */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}
