import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import { BrotrError } from "../models/errors.js";
import { NIP11_CORS_HEADERS } from "./nip11.js";

// Glue for @nostr-relay/core (a real third-party relay implementation) on 127.0.0.1. Those
// packages are devDependencies: they are loaded at run time by name so that production code
// never depends on them, and a missing install is reported instead of crashing at import.

interface CoreRelay {
  handleConnection(client: WebSocket, ip?: string): void;
  handleDisconnect(client: WebSocket): void;
  handleMessage(client: WebSocket, message: unknown): Promise<unknown>;
  destroy(): Promise<void>;
}

interface CoreModules {
  NostrRelay: new (repo: unknown, options: Record<string, unknown>) => CoreRelay;
  Validator: new () => { validateIncomingMessage(data: RawData): Promise<unknown> };
  EventRepositorySqlite: new (
    file: string,
    options: { defaultLimit: number },
  ) => { init(): Promise<void>; destroy(): Promise<void> };
}

export const CORE_RELAY_PACKAGES = [
  "@nostr-relay/core",
  "@nostr-relay/validator",
  "@nostr-relay/event-repository-sqlite",
] as const;

export class CoreRelayUnavailableError extends BrotrError {}

async function importCjs(name: string): Promise<Record<string, unknown>> {
  const mod: { default?: Record<string, unknown> } & Record<string, unknown> = await import(name);
  return mod.default ?? mod;
}

/** Loads the optional packages; throws CoreRelayUnavailableError with an install hint. */
export async function loadCoreModules(): Promise<CoreModules> {
  try {
    const [core, validator, sqlite] = await Promise.all(CORE_RELAY_PACKAGES.map(importCjs));
    return {
      NostrRelay: core?.NostrRelay as CoreModules["NostrRelay"],
      Validator: validator?.Validator as CoreModules["Validator"],
      EventRepositorySqlite: sqlite?.EventRepositorySqlite as CoreModules["EventRepositorySqlite"],
    };
  } catch (err) {
    throw new CoreRelayUnavailableError(
      `@nostr-relay/core is not installed (it is a devDependency: run "npm install --include=dev"): ${String(err)}`,
      { cause: err },
    );
  }
}

export interface CoreRelayOptions {
  /** Repository default page size; its maximum is 10 × this (default 500). */
  defaultLimit?: number;
  nip11?: object;
  /** Default 0 (ephemeral). */
  port?: number;
}

export interface CoreRelayHandle {
  url: string;
  httpUrl: string;
  close(): Promise<void>;
}

const SILENT_LOGGER = {
  setLogLevel: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

function nip11Handler(doc: object) {
  const body = JSON.stringify(doc);
  return (req: IncomingMessage, res: ServerResponse) => {
    if ((req.headers.accept ?? "").includes("application/nostr+json")) {
      res.writeHead(200, { ...NIP11_CORS_HEADERS, "Content-Type": "application/nostr+json" });
      res.end(body);
      return;
    }
    res.writeHead(200, { "Content-Type": "text/plain" }).end("@nostr-relay/core on loopback\n");
  };
}

function defaultCoreNip11(defaultLimit: number): object {
  return {
    name: "nostr-relay core (devnet)",
    supported_nips: [1, 11],
    software: "https://github.com/CodyTseng/nostr-relay",
    limitation: { max_limit: defaultLimit * 10, default_limit: defaultLimit },
  };
}

function attachClient(ws: WebSocket, relay: CoreRelay, validate: (d: RawData) => Promise<unknown>) {
  relay.handleConnection(ws, "127.0.0.1");
  ws.on("message", async (data) => {
    try {
      await relay.handleMessage(ws, await validate(data));
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(["NOTICE", `invalid: ${text}`]));
    }
  });
  ws.on("error", () => ws.terminate());
  ws.on("close", () => relay.handleDisconnect(ws));
}

/** Serves @nostr-relay/core over an in-memory SQLite store, with NIP-11, on 127.0.0.1:0. */
export async function startCoreRelay(opts: CoreRelayOptions = {}): Promise<CoreRelayHandle> {
  const mods = await loadCoreModules();
  const defaultLimit = opts.defaultLimit ?? 500;
  const repo = new mods.EventRepositorySqlite(":memory:", { defaultLimit });
  await repo.init();
  const relay = new mods.NostrRelay(repo, { logger: SILENT_LOGGER, logLevel: 3 });
  const validator = new mods.Validator();
  const server = createServer(nip11Handler(opts.nip11 ?? defaultCoreNip11(defaultLimit)));
  const wss = new WebSocketServer({ server });
  wss.on("connection", (ws) =>
    attachClient(ws, relay, (d) => validator.validateIncomingMessage(d)),
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await relay.destroy();
      await repo.destroy();
    },
  };
}
