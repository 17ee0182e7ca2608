/**
 * Every service as its own process (`bin/bigbrotr.js <service>`), supervised as systemd or a
 * container runtime would: a process that exits (or that the soak kills with SIGKILL) is
 * started again after a short delay. Keeps, per service, the log lines the checks need, each
 * process's RSS and open descriptors over time, and writes every line to `<logDir>/<name>.log`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

export const SOAK_SERVICES = [
  "seeder",
  "finder",
  "validator",
  "monitor",
  "synchronizer",
  "refresher",
  "api",
] as const;
export type SoakService = (typeof SOAK_SERVICES)[number];

export interface LogLine {
  t: number;
  pid: number;
  level: number;
  msg: string;
  fields: Record<string, unknown>;
}

export interface Sample {
  t: number;
  rssMb: number;
  fds: number;
}

export interface ProcessLife {
  pid: number;
  started: number;
  ended?: number;
  /** Exit code or signal, when it ended. */
  exit?: string;
  killedBySoak: boolean;
  samples: Sample[];
}

export interface SupervisedService {
  name: SoakService;
  lives: ProcessLife[];
  /** Lines at warn or above, and the cycle and outage lines. */
  lines: LogLine[];
  /** Exits the soak did not cause (a crash, a failure budget) other than a one-shot's 0. */
  unexpectedExits: number;
}

/** Units of work done, each after its writes: progress after an outage (soak-figures.ts). */
export const PROGRESS = new Set([
  "cycle_completed",
  "relay_synced",
  "chunk_monitored",
  "chunk_validated",
]);
const KEPT = new Set([
  ...PROGRESS,
  "cycle_started",
  "database_unavailable",
  "database_available",
  "service_started",
]);
const RESTART_DELAY_MS = 2000;
const BIN = resolve("bin/bigbrotr.js");

export interface Supervisor {
  services: Map<SoakService, SupervisedService>;
  /** kill -9 of the service's current process; the supervisor starts it again. */
  kill9(name: SoakService): void;
  /** A graceful restart (SIGTERM, started again): the new process runs a cycle at once. */
  restart(name: SoakService): void;
  /** Stops these services for good (SIGTERM, not restarted). */
  retire(names: readonly SoakService[]): Promise<void>;
  stop(): Promise<void>;
}

function keep(svc: SupervisedService, pid: number, line: string, log: WriteStream): void {
  log.write(`${line}\n`);
  if (!line.startsWith("{")) return;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return;
  }
  const level = Number(parsed.level ?? 0);
  const msg = String(parsed.msg ?? "");
  if (level < 40 && !KEPT.has(msg)) return;
  svc.lines.push({ t: Number(parsed.time ?? Date.now()), pid, level, msg, fields: parsed });
}

interface Running {
  svc: SupervisedService;
  child: ChildProcess;
  life: ProcessLife;
}

/**
 * Starts the seeder, waits for it to put the relays in (as `bigbrotr up` runs it first), then
 * every other service.
 */
export async function startSupervisor(opts: {
  configDir: string;
  databaseUrl: string;
  logDir: string;
  env?: NodeJS.ProcessEnv;
}): Promise<Supervisor> {
  const services = new Map<SoakService, SupervisedService>();
  const running = new Map<SoakService, Running>();
  let stopping = false;
  const retired = new Set<SoakService>();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...opts.env,
    BIGBROTR_CONFIG_DIR: opts.configDir,
    DATABASE_URL: opts.databaseUrl,
  };
  delete env.NOSTR_PRIVATE_KEY;
  const start = (svc: SupervisedService, log: WriteStream) => {
    const child = spawn(process.execPath, [BIN, svc.name, "--log-format", "json"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const life: ProcessLife = {
      pid: child.pid ?? -1,
      started: Date.now(),
      killedBySoak: false,
      samples: [],
    };
    svc.lives.push(life);
    running.set(svc.name, { svc, child, life });
    const out = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    out.on("line", (line) => keep(svc, life.pid, line, log));
    child.stderr?.on("data", (d: Buffer) => log.write(d));
    child.on("exit", (code, signal) => {
      life.ended = Date.now();
      life.exit = signal ?? String(code);
      running.delete(svc.name);
      if (stopping || retired.has(svc.name)) return;
      if (svc.name === "seeder" && code === 0) return; // one-shot: done
      if (!life.killedBySoak) svc.unexpectedExits++;
      setTimeout(() => {
        if (!stopping) start(svc, log);
      }, RESTART_DELAY_MS);
    });
  };
  for (const name of SOAK_SERVICES) {
    const svc: SupervisedService = { name, lives: [], lines: [], unexpectedExits: 0 };
    services.set(name, svc);
    start(svc, createWriteStream(join(opts.logDir, `${name}.log`), { flags: "a" }));
    if (name === "seeder") await seeded(svc);
  }
  const sampler = setInterval(() => {
    for (const r of running.values()) void sampleInto(r.life);
  }, 5000);
  return {
    services,
    kill9(name) {
      const r = running.get(name);
      if (!r) return;
      r.life.killedBySoak = true;
      r.child.kill("SIGKILL");
    },
    restart(name) {
      const r = running.get(name);
      if (!r) return;
      r.life.killedBySoak = true;
      r.child.kill("SIGTERM");
    },
    async retire(names) {
      for (const n of names) retired.add(n);
      const going = [...running.values()].filter((r) => retired.has(r.svc.name));
      await Promise.all(going.map((r) => stopChild(r.child)));
    },
    async stop() {
      stopping = true;
      clearInterval(sampler);
      await Promise.all([...running.values()].map((r) => stopChild(r.child)));
    },
  };
}

/** Until the seeder's first process has ended (it is one-shot), at most a minute. */
async function seeded(svc: SupervisedService): Promise<void> {
  const until = Date.now() + 60_000;
  while (svc.lives[0]?.ended === undefined && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  await exited;
  clearTimeout(timer);
}

/** RSS (MB) and open descriptors of a live process, from /proc. */
async function sampleInto(life: ProcessLife): Promise<void> {
  try {
    const status = await readFile(`/proc/${life.pid}/status`, "utf8");
    const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
    const fds = (await readdir(`/proc/${life.pid}/fd`)).length;
    if (Number.isFinite(kb)) life.samples.push({ t: Date.now(), rssMb: kb / 1024, fds });
  } catch {
    // exited between the listing and the read
  }
}
