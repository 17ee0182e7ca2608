/**
 * Freezing a PostgreSQL server (SIGSTOP of the postmaster and every process it started):
 * its connections stay open and nothing is answered, as with a hung host. Thawed by SIGCONT.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** The postmaster's pid, from the lock file in `<dataDir>/pg`. */
export async function postmasterPid(dataDir: string): Promise<number> {
  return Number((await readFile(join(dataDir, "pg", "postmaster.pid"), "utf8")).split("\n")[0]);
}

/**
 * The postmaster and its children (backends, background workers): from the kernel's list of
 * its children, one read (a scan of /proc took minutes on a loaded machine, so the freeze
 * began long after it was asked for), else from a scan.
 */
export async function serverPids(postmaster: number): Promise<number[]> {
  const listed = await readFile(`/proc/${postmaster}/task/${postmaster}/children`, "utf8").catch(
    () => undefined,
  );
  if (listed !== undefined) return [postmaster, ...listed.split(/\s+/).filter(Boolean).map(Number)];
  const pids = [postmaster];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid === postmaster) pids.push(Number(entry));
  }
  return pids;
}

export function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // exited meanwhile
    }
  }
}

/** Freezes the server of `dataDir`; the returned function thaws it (safe to call twice). */
export async function freezeServer(dataDir: string): Promise<() => void> {
  const pids = await serverPids(await postmasterPid(dataDir));
  signalAll(pids, "SIGSTOP");
  let thawed = false;
  return () => {
    if (thawed) return;
    thawed = true;
    signalAll(pids, "SIGCONT");
  };
}
