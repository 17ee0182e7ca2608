import { randomBytes } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
// The devnet's modules are imported when it starts, not when the CLI does (other commands and
// --help would load the fake relays, keys and TLS code for nothing).
import type { CoreRelayHandle } from "../../devnet/core-relay.js";
import type { DevnetChain } from "../../devnet/realistic-network.js";
import { parseNonNegativeInt } from "../options.js";
import { plural } from "../plural.js";
import { formatTable } from "../table.js";
import { type StartedDevnet, startRealisticDevnet } from "./devnet-realistic.js";

interface DevnetOptions {
  relays: number;
  events: number;
  overlap: number;
  misbehaving: number;
  seed: number;
  portBase: number;
  host: string;
  seedFile: string;
  withCore: boolean;
  tls: boolean;
  caFile: string;
  negentropy: boolean;
  realistic: boolean;
  monitors: number;
}

function parsePositiveInt(value: string): number {
  const n = parseNonNegativeInt(value);
  if (n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

function parseFraction(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError("expected 0..1");
  return n;
}

async function startCore(opts: DevnetOptions): Promise<CoreRelayHandle | null> {
  if (!opts.withCore) return null;
  const { startCoreRelay, CoreRelayUnavailableError } = await import("../../devnet/core-relay.js");
  try {
    const port = opts.portBase ? opts.portBase + opts.relays : 0;
    return await startCoreRelay({ port });
  } catch (err) {
    if (!(err instanceof CoreRelayUnavailableError)) throw err;
    console.error(`--with-core skipped: ${err.message}`);
    return null;
  }
}

/** The plain network: healthy relays, the last `--misbehaving` ones with one fault each. */
async function startPlainDevnet(
  opts: DevnetOptions,
  chain: DevnetChain | undefined,
): Promise<StartedDevnet> {
  const { startFakeNetwork } = await import("../../devnet/fake-network.js");
  const net = await startFakeNetwork({
    relays: opts.relays,
    events: opts.events,
    overlap: opts.overlap,
    misbehaving: opts.misbehaving,
    seed: opts.seed,
    portBase: opts.portBase,
    relayOptions: {
      host: opts.host,
      ...(chain ? { tls: chain.leaf } : {}),
      ...(opts.negentropy ? { negentropy: true } : {}),
    },
  });
  return {
    header: [
      `# bigbrotr devnet seeds: seed ${opts.seed}, ${opts.events} events, overlap ${opts.overlap}`,
      "# Loopback relays started by `bigbrotr devnet`; they exist only while it runs.",
    ],
    columns: ["url", "behaviour", "events"],
    rows: net.relays.map((relay, i) => ({
      url: relay.url,
      cells: [relay.url, net.behaviours[i] ?? "healthy", relay.events.length],
    })),
    events: net.events.length,
    targets: net.relays.map((relay, i) => ({
      url: relay.url,
      up: net.behaviours[i] !== "refuse",
      addEvents: (events) => relay.addEvents(events),
    })),
    close: () => net.close(),
  };
}

function withCore(net: StartedDevnet, core: CoreRelayHandle | null): StartedDevnet["rows"] {
  if (core === null) return net.rows;
  const cells = net.columns.map((c) =>
    c === "url"
      ? core.url
      : c === "events"
        ? 0
        : c === "behaviour"
          ? "nostr-relay-core (empty)"
          : "",
  );
  return [...net.rows, { url: core.url, cells }];
}

async function writeSeedFile(path: string, net: StartedDevnet, rows: StartedDevnet["rows"]) {
  const described = rows.map((r) => `# ${r.cells.join("  ")}`);
  const lines = [...net.header, ...described, ...rows.map((r) => r.url)];
  await mkdir(dirname(path), { recursive: true });
  // Whole or absent: a reader that waits for the file (compose:test) never sees half of it.
  const partial = `${path}.${randomBytes(4).toString("hex")}.partial`;
  await writeFile(partial, `${lines.join("\n")}\n`, "utf8");
  await rename(partial, path);
}

function waitForSignal(signal: AbortSignal | undefined): Promise<void> {
  if (signal) {
    return signal.aborted
      ? Promise.resolve()
      : new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  }
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** --monitors: other monitors' 10166/30166 stored in every relay (devnet/simulated-monitors.ts). */
async function publishMonitors(opts: DevnetOptions, net: StartedDevnet): Promise<void> {
  const { simulateMonitors } = await import("../../devnet/simulated-monitors.js");
  const { loadNostrWasm } = await import("../../devnet/crypto.js");
  const simulated = simulateMonitors(await loadNostrWasm(), net.targets, {
    count: opts.monitors,
    now: Math.floor(Date.now() / 1000),
    seed: opts.seed,
  });
  for (const target of net.targets) target.addEvents(simulated.events);
  const roles = simulated.monitors.map((m) => `${m.pubkey.slice(0, 12)}… ${m.role}`);
  console.log(`${plural(simulated.monitors.length, "simulated monitor")}: ${roles.join(", ")}`);
}

/** With --tls: a throwaway CA (its certificate written to `caFile`) and the relays' leaf. */
async function tlsSetup(opts: DevnetOptions): Promise<DevnetChain | undefined> {
  if (!opts.tls) return undefined;
  const { createTestChain } = await import("../../devnet/tls-cert.js");
  const chain = createTestChain({
    commonName: "localhost",
    altNames: ["localhost", "127.0.0.1", "::1"],
    notAfter: new Date(Date.now() + 30 * 86_400_000),
  });
  await mkdir(dirname(opts.caFile), { recursive: true });
  await writeFile(opts.caFile, chain.ca.cert, "utf8");
  return chain;
}

async function runDevnet(opts: DevnetOptions, signal: AbortSignal | undefined): Promise<void> {
  const tls = await tlsSetup(opts);
  // Fails here, with the install hint, rather than at the first NEG-OPEN.
  if (opts.negentropy) await (await import("../../devnet/negentropy.js")).loadNegentropyServer();
  const net = opts.realistic
    ? await startRealisticDevnet(opts, tls)
    : await startPlainDevnet(opts, tls);
  let core: CoreRelayHandle | null = null;
  try {
    core = await startCore(opts);
    const rows = withCore(net, core);
    if (opts.monitors > 0) await publishMonitors(opts, net);
    await writeSeedFile(opts.seedFile, net, rows);
    console.log(
      formatTable(
        net.columns,
        rows.map((r) => r.cells),
      ),
    );
    console.log(`\n${plural(net.events, "event")}, seed file ${opts.seedFile}. Ctrl-C to stop.`);
    if (tls) {
      console.log(
        `TLS: wss:// relays with a throwaway CA in ${opts.caFile}; trust it with ` +
          `NODE_EXTRA_CA_CERTS=${opts.caFile} (or allow insecure TLS).`,
      );
    }
    await waitForSignal(signal);
  } finally {
    await Promise.all([net.close(), core?.close()]);
    console.log("devnet stopped");
  }
}

/**
 * `bigbrotr devnet`: a local network of fake relays (some misbehaving) filled with signed events,
 * for demos and manual testing. Pass main.ts's shutdown signal; without one it listens for
 * SIGINT/SIGTERM itself.
 */
export function registerDevnetCommand(program: Command, shutdown?: { signal: AbortSignal }): void {
  program
    .command("devnet")
    .description("run a local network of fake Nostr relays on 127.0.0.1 until interrupted")
    .option("--relays <n>", "number of relays", parsePositiveInt, 10)
    .option(
      "--events <n>",
      "events to generate and spread over the relays",
      parseNonNegativeInt,
      2000,
    )
    .option("--overlap <f>", "share of events copied to other relays (0..1)", parseFraction, 0.3)
    .option(
      "--misbehaving <n>",
      "relays with a fault (silent, refuse, auth, ...)",
      parseNonNegativeInt,
      2,
    )
    .option("--seed <n>", "seed for keys and events", parseNonNegativeInt, 1)
    .option("--port-base <n>", "first port (0 = ephemeral ports)", parseNonNegativeInt, 0)
    .option(
      "--host <address>",
      "address the relays listen on and name in their URLs (e.g. a container network's gateway)",
      "127.0.0.1",
    )
    .option("--seed-file <path>", "where to write the relay URLs", "./data/devnet-seeds.txt")
    .option("--with-core", "also start an empty @nostr-relay/core relay (devDependency)", false)
    .option("--tls", "serve wss:// with a certificate from a throwaway CA", false)
    .option("--ca-file <path>", "where --tls writes its CA certificate", "./data/devnet-ca.pem")
    .option(
      "--realistic",
      "relays modelled on the real network (varied software, rate limits, AUTH, paid, flapping, " +
        "bad certificates...; shares in the seed file's header); --misbehaving is ignored",
      false,
    )
    .option(
      "--negentropy",
      "relays also answer NIP-77 negentropy sync (@nostr-dev-kit/sync, a devDependency)",
      false,
    )
    .option(
      "--monitors <n>",
      "simulated NIP-66 monitors publishing 10166/30166 into the relays (one liar, one stale, one wrong, the rest honest)",
      parseNonNegativeInt,
      0,
    )
    .action(async (opts: DevnetOptions) => {
      await runDevnet(opts, shutdown?.signal);
    });
}
