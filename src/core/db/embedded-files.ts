/**
 * The embedded server's files when we run as root (PostgreSQL refuses to): the server runs as
 * the `postgres` user and owns its own folder (`<dataDir>/pg`) and its log, nothing else; the
 * data folder and whatever else lives there (the password file, the monitor key, the devnet's
 * seed file) stay ours. A start that fails says why, from the server's log; the lock file
 * tells the port of a server another process started, once it is ready.
 */
import { readFileSync } from "node:fs";
import { chmod, chown, open, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { BrotrError, ConfigError } from "../../models/errors.js";

export type Account = { uid: number; gid: number };

/** The variable that moves the embedded server to another port (cli/environment.ts). */
const PORT_VARIABLE = "BIGBROTR_DB_PORT";
const LOG_TAIL_LINES = 5;

/**
 * Lets the postgres user reach `pgdata`: the data folder (ours) gets search permission for
 * others if it lacks it (enter, not list: a private temporary folder); a parent folder that
 * others may not enter is a ConfigError naming it, not changed.
 */
export async function serverCanReach(pgdata: string, account: Account): Promise<void> {
  const dataDir = dirname(pgdata);
  for (let dir = dataDir; ; dir = dirname(dir)) {
    const info = await stat(dir);
    const searchable = info.uid === account.uid || (info.mode & 0o001) !== 0;
    if (!searchable && dir === dataDir) await chmod(dir, (info.mode & 0o7777) | 0o001);
    else if (!searchable) {
      throw new ConfigError(
        `the embedded PostgreSQL runs as the postgres user (we are root), which cannot enter ${dir}`,
        [`let it through: chmod o+x ${dir} (or use another database.embedded.data_dir)`],
      );
    }
    if (dirname(dir) === dir) return;
  }
}

/** The server's folder (not its parent) and its log file, owned by the server's account. */
export async function giveServer(pgdata: string, logFile: string, account: Account) {
  await chown(pgdata, account.uid, account.gid);
  const log = await open(logFile, "a", 0o600);
  await log.close();
  await chown(logFile, account.uid, account.gid);
}

function logTail(logFile: string): string[] {
  try {
    const lines = readFileSync(logFile, "utf8").trimEnd().split("\n");
    return lines.slice(-LOG_TAIL_LINES);
  } catch {
    return [];
  }
}

/** pg_ctl could not start the server: throws why, with the port, the log and the fix. */
export function startFailure(error: unknown, port: number, logFile: string): never {
  const tail = logTail(logFile);
  if (tail.some((l) => /could not bind .*Address already in use/i.test(l))) {
    throw new ConfigError(
      `the embedded PostgreSQL cannot listen on 127.0.0.1:${port}: the port is in use (another PostgreSQL, or another bigbrotr deployment)`,
      [
        `choose another port: ${PORT_VARIABLE}=<port>, or database.embedded.port in brotr.yaml`,
        `or set DATABASE_URL to use a server that is already running`,
        `server log: ${logFile}`,
      ],
      { cause: error },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  throw new ConfigError(
    `the embedded PostgreSQL did not start: ${message.split("\n")[0]}`,
    [...tail.map((l) => `log: ${l}`), `server log: ${logFile}`],
    { cause: error },
  );
}

/** The postmaster's pid and port, from the lock file it writes in the data folder. */
export function lockFile(pgdata: string): { pid: number; port: number } {
  const lines = readFileSync(join(pgdata, "postmaster.pid"), "utf8").split("\n");
  return { pid: Number(lines[0]), port: Number(lines[3]) };
}

const READY_WAIT_MS = 60_000;

/**
 * The lock file of a server another process started, once that server is ready (its status
 * line says so): before, the file may lack the port, and a connection would be refused.
 */
export async function readyLock(pgdata: string): Promise<{ pid: number; port: number }> {
  const deadline = Date.now() + READY_WAIT_MS;
  for (;;) {
    try {
      const lines = readFileSync(join(pgdata, "postmaster.pid"), "utf8").split("\n");
      if (lines[7]?.trim() === "ready") return lockFile(pgdata);
    } catch {
      // not there yet, or gone: keep waiting until the deadline
    }
    if (Date.now() > deadline) {
      throw new BrotrError(`the embedded PostgreSQL in ${pgdata} did not become ready`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The pid in the data folder's lock file, or undefined when there is none. */
export function lockedPid(pgdata: string): number | undefined {
  try {
    return lockFile(pgdata).pid;
  } catch {
    return undefined;
  }
}
