/**
 * The soak's faults on a seeded schedule: PostgreSQL stopped or frozen 10–60 s, kill -9 of a
 * random service, a relay killed and restarted with its data, a relay that stalls. Database
 * outages and kills take turns on one timeline (each outage followed by a recovery window in
 * which nothing else happens to the services); relay faults run on their own.
 */
import { createPrng } from "../../src/devnet/prng.js";
import type { SoakDatabase } from "./soak-database.js";
import { restartRelay, type SoakDevnet, stallRelay } from "./soak-network.js";
import { SOAK_SERVICES, type SoakService, type Supervisor } from "./soak-services.js";

export type FaultKind = "pg-stop" | "pg-freeze" | "kill9" | "relay-restart" | "relay-stall";

export interface PlannedFault {
  atS: number;
  kind: FaultKind;
  /** Outage or stall length. */
  seconds: number;
  /** A service name or a relay index. */
  target: string;
}

export interface DoneFault extends PlannedFault {
  start: number;
  end: number;
}

/** Seconds after an outage in which the services must have recovered, nothing else injected. */
export const RECOVERY_WINDOW_S = 40;

const KILLABLE = SOAK_SERVICES.filter((s) => s !== "seeder");

/** The schedule for a run of `seconds` (faults from `warmS` to `seconds - quietS`). */
export function planFaults(
  seed: number,
  seconds: number,
  counted: readonly number[],
): PlannedFault[] {
  const prng = createPrng(seed + 99);
  const warmS = Math.min(60, Math.round(seconds * 0.2));
  const endS = seconds - Math.min(60, Math.round(seconds * 0.12));
  const maxOutage = Math.max(10, Math.min(60, Math.round(seconds / 8)));
  const plan: PlannedFault[] = [];
  let killsSinceOutage = 1;
  for (let t = warmS; t < endS; ) {
    if (killsSinceOutage >= 1 && prng.chance(0.6)) {
      const s = prng.int(10, maxOutage);
      plan.push({
        atS: t,
        kind: prng.chance(0.5) ? "pg-stop" : "pg-freeze",
        seconds: s,
        target: "",
      });
      t += s + RECOVERY_WINDOW_S;
      killsSinceOutage = 0;
    } else {
      plan.push({ atS: t, kind: "kill9", seconds: 0, target: prng.pick(KILLABLE) });
      t += prng.int(20, 40);
      killsSinceOutage++;
    }
  }
  for (let t = warmS + 10; t < endS; ) {
    const stall = prng.chance(0.5);
    const s = stall ? prng.int(20, 40) : prng.int(5, 20);
    const target = String(prng.pick(counted));
    plan.push({ atS: t, kind: stall ? "relay-stall" : "relay-restart", seconds: s, target });
    t += s + prng.int(15, 45);
  }
  return plan.sort((a, b) => a.atS - b.atS);
}

interface Targets {
  db: SoakDatabase;
  dev: SoakDevnet;
  supervisor: Supervisor;
}

async function inject(f: PlannedFault, t: Targets): Promise<void> {
  const ms = f.seconds * 1000;
  if (f.kind === "pg-stop") await t.db.outage("stop", ms);
  else if (f.kind === "pg-freeze") await t.db.outage("freeze", ms);
  else if (f.kind === "kill9") t.supervisor.kill9(f.target as SoakService);
  else if (f.kind === "relay-restart") await restartRelay(t.dev, Number(f.target), ms);
  else await stallRelay(t.dev, Number(f.target), ms);
}

const onServices = (f: PlannedFault) => !f.kind.startsWith("relay-");

/**
 * Runs one timeline's faults in order from `t0`: each at its time, or, when the one before it
 * ran late (a restart is slow on a loaded machine), its outage's recovery window after it.
 */
async function runTimeline(faults: PlannedFault[], t0: number, t: Targets, done: DoneFault[]) {
  let free = t0;
  for (const f of faults) {
    const at = Math.max(t0 + f.atS * 1000, free);
    await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
    const start = Date.now();
    await inject(f, t);
    const end = Date.now();
    done.push({ ...f, start, end });
    free = end + (f.kind.startsWith("pg-") ? RECOVERY_WINDOW_S * 1000 : 0);
  }
}

/** Runs the plan from `t0`; resolves with what was done once every fault has ended. */
export async function runFaults(plan: PlannedFault[], t0: number, t: Targets) {
  const done: DoneFault[] = [];
  await Promise.all([
    runTimeline(plan.filter(onServices), t0, t, done),
    runTimeline(
      plan.filter((f) => !onServices(f)),
      t0,
      t,
      done,
    ),
  ]);
  return done.sort((a, b) => a.start - b.start);
}
