/**
 * The monitor's Nostr key: from the environment variable the config names (nsec or 64 hex)
 * when it is set; otherwise the key kept in `<dataDir>/monitor.key`, generated on first use
 * so the monitor keeps one identity across restarts. The file is created with mode 0600 and
 * atomically (written aside, then hard-linked into place), so two processes starting at once
 * end up with the same key; an existing file that group or others may access is refused,
 * as ssh does. Errors are ConfigErrors that never contain the key.
 */
import { randomBytes } from "node:crypto";
import { link, lstat, mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { npubEncode } from "nostr-tools/nip19";
import { generateSecretKey } from "nostr-tools/pure";
import { ConfigError } from "../models/errors.js";
import { parseSecretKey, secretKeyFromEnv } from "./keys.js";

export const MONITOR_KEY_FILE = "monitor.key";

/** The two pino methods used (a pino Logger fits). */
export interface KeyLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface LoadMonitorKeyOptions {
  /** Name of the variable holding the key (the config's `nostr.private_key_env`). */
  envName: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Directory of monitor.key (created, mode 0700, when missing). */
  dataDir: string;
  log?: KeyLog;
}

export interface MonitorKey {
  secretKey: Uint8Array;
  /** Hex x-only public key. */
  pubkey: string;
  npub: string;
  /** Where it came from: the variable, the file, or just generated into the file. */
  source: "env" | "file" | "generated";
}

const code = (error: unknown) => (error as { code?: string }).code;

/** The key in `path`, null when there is no such file. */
async function readKeyFile(path: string): Promise<Omit<MonitorKey, "source" | "npub"> | null> {
  let stat: Awaited<ReturnType<typeof lstat>>;
  try {
    stat = await lstat(path);
  } catch (error) {
    if (code(error) === "ENOENT") return null;
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`, [], { cause: error });
  }
  if (!stat.isFile()) throw new ConfigError(`${path} is not a regular file`);
  const mode = stat.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    const octal = mode.toString(8).padStart(4, "0");
    throw new ConfigError(
      `${path} may be accessed by group or others (mode ${octal}); run: chmod 600 ${path}`,
    );
  }
  const parsed = parseSecretKey(await readFile(path, "utf8"));
  if (!parsed.ok) throw new ConfigError(`${path} does not hold a secret key: ${parsed.reason}`);
  return { secretKey: parsed.secretKey, pubkey: parsed.pubkey };
}

/** Writes a new key to `path` unless a file is already there; true when this call wrote it. */
async function createKeyFile(path: string): Promise<boolean> {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const hex = Buffer.from(generateSecretKey()).toString("hex");
  await writeFile(aside, `${hex}\n`, { mode: 0o600, flag: "wx" });
  try {
    await link(aside, path);
    return true;
  } catch (error) {
    if (code(error) === "EEXIST") return false;
    throw new ConfigError(`cannot create ${path}: ${(error as Error).message}`, [], {
      cause: error,
    });
  } finally {
    await unlink(aside).catch(() => {});
  }
}

/**
 * The monitor's key; see the module comment.
 */
export async function loadMonitorKey(options: LoadMonitorKeyOptions): Promise<MonitorKey> {
  const { envName, log } = options;
  const fromEnv = secretKeyFromEnv(options.env, envName, "nostr.private_key_env");
  if (fromEnv !== undefined) {
    const { secretKey, pubkey } = fromEnv;
    log?.info({ pubkey, env: envName }, "monitor_key_from_env");
    return { secretKey, pubkey, npub: npubEncode(pubkey), source: "env" };
  }
  const path = join(options.dataDir, MONITOR_KEY_FILE);
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const existing = await readKeyFile(path);
  if (existing !== null) {
    log?.info({ pubkey: existing.pubkey, path }, "monitor_key_from_file");
    return { ...existing, npub: npubEncode(existing.pubkey), source: "file" };
  }
  // Another process may create it first: then its key is the one read back.
  const wrote = await createKeyFile(path);
  const key = await readKeyFile(path);
  if (key === null) throw new ConfigError(`${path} vanished while it was being created`);
  const npub = npubEncode(key.pubkey);
  if (wrote) log?.warn({ pubkey: key.pubkey, npub, path }, "monitor_key_generated");
  return { ...key, npub, source: wrote ? "generated" : "file" };
}
