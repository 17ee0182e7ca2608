/**
 * Who is using the embedded server, so that the last bigbrotr process to leave stops it and
 * none stops it under another. Each process that starts or adopts the server registers a file
 * `<dataDir>/clients/<pid>.<token>`; on stop it removes its own, drops the files of processes
 * that are gone (killed, crashed) and stops the server only when no live client is left and a
 * bigbrotr process started it (the `started` marker: a server started by hand is never ours to
 * stop). Two processes leaving at once may both see the other and leave it running: the next
 * start adopts it, which is the safe side of that race.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface EmbeddedClient {
  /** Removes this client; true when no other live client remains and bigbrotr started the server. */
  leave(): boolean;
  /** Live clients other than this one (pruning the files of processes that are gone). */
  others(): number;
}

const STARTED = "started";

function clientsDir(dataDir: string): string {
  return join(dataDir, "clients");
}

/** Marks the server as started by a bigbrotr process (the one that ran pg_ctl start). */
export function markStartedByUs(dataDir: string): void {
  mkdirSync(clientsDir(dataDir), { recursive: true });
  writeFileSync(join(clientsDir(dataDir), STARTED), `${process.pid}\n`);
}

/** The server was stopped: the marker goes with it. */
export function clearStartedMark(dataDir: string): void {
  rmSync(join(clientsDir(dataDir), STARTED), { force: true });
}

/** Registers this process as a client; call before looking at whether the server runs. */
export function registerClient(dataDir: string, alive: (pid: number) => boolean): EmbeddedClient {
  const dir = clientsDir(dataDir);
  mkdirSync(dir, { recursive: true });
  const name = `${process.pid}.${randomBytes(4).toString("hex")}`;
  writeFileSync(join(dir, name), "");
  let left = false;
  const others = (): number => {
    let count = 0;
    for (const file of readdirSync(dir)) {
      const pid = Number(file.split(".")[0]);
      if (file === name || file === STARTED || !Number.isInteger(pid) || pid <= 0) continue;
      if (alive(pid)) count += 1;
      else rmSync(join(dir, file), { force: true });
    }
    return count;
  };
  return {
    others,
    leave() {
      if (left) return false;
      left = true;
      rmSync(join(dir, name), { force: true });
      return others() === 0 && existsSync(join(dir, STARTED));
    },
  };
}
