import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
// The devnet's modules are imported when it starts, not when the CLI does (other commands and
// --help would load the fake relays, keys and TLS code for nothing).
import type { CoreRelayHandle } from "../../devnet/core-relay.js";
import type { FakeNetwork } from "../../devnet/fake-network.js";
import type { TestCertificate } from "../../devnet/tls-cert.js";
import { parseNonNegativeInt } from "../options.js";
import { plural } from "../plural.js";
import { formatTable } from "../table.js";

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
}

interface DevnetRow {
  url: string;
  behaviour: string;
  events: number;
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

function rowsOf(net: FakeNetwork, core: CoreRelayHandle | null): DevnetRow[] {
  const rows = net.relays.map((relay, i) => ({
    url: relay.url,
    behaviour: net.behaviours[i] ?? "healthy",
    events: relay.events.length,
  }));
  if (core) rows.push({ url: core.url, behaviour: "nostr-relay-core (empty)", events: 0 });
  return rows;
}

async function writeSeedFile(path: string, rows: DevnetRow[], opts: DevnetOptions) {
  const header = [
    `# bigbrotr devnet seeds: seed ${opts.seed}, ${opts.events} events, overlap ${opts.overlap}`,
    "# Loopback relays started by `bigbrotr devnet`; they exist only while it runs.",
    ...rows.map((r) => `# ${r.url}  ${r.behaviour}  ${r.events} events`),
  ];
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${[...header, ...rows.map((r) => r.url)].join("\n")}\n`, "utf8");
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

/** With --tls: a throwaway CA (its certificate written to `caFile`) and the relays' leaf. */
async function tlsSetup(opts: DevnetOptions): Promise<TestCertificate | undefined> {
  if (!opts.tls) return undefined;
  const { createTestChain } = await import("../../devnet/tls-cert.js");
  const { ca, leaf } = createTestChain({
    commonName: "localhost",
    altNames: ["localhost", "127.0.0.1", "::1"],
    notAfter: new Date(Date.now() + 30 * 86_400_000),
  });
  await mkdir(dirname(opts.caFile), { recursive: true });
  await writeFile(opts.caFile, ca.cert, "utf8");
  return leaf;
}

async function runDevnet(opts: DevnetOptions, signal: AbortSignal | undefined): Promise<void> {
  const tls = await tlsSetup(opts);
  // Fails here, with the install hint, rather than at the first NEG-OPEN.
  if (opts.negentropy) await (await import("../../devnet/negentropy.js")).loadNegentropyServer();
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
      ...(tls ? { tls } : {}),
      ...(opts.negentropy ? { negentropy: true } : {}),
    },
  });
  let core: CoreRelayHandle | null = null;
  try {
    core = await startCore(opts);
    const rows = rowsOf(net, core);
    await writeSeedFile(opts.seedFile, rows, opts);
    console.log(
      formatTable(
        ["url", "behaviour", "events"],
        rows.map((r) => [r.url, r.behaviour, r.events]),
      ),
    );
    console.log(
      `\n${plural(net.events.length, "event")}, seed file ${opts.seedFile}. Ctrl-C to stop.`,
    );
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
      "--negentropy",
      "relays also answer NIP-77 negentropy sync (@nostr-dev-kit/sync, a devDependency)",
      false,
    )
    .action(async (opts: DevnetOptions) => {
      await runDevnet(opts, shutdown?.signal);
    });
}
