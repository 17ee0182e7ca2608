import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { ConfigError, UsageError } from "../models/errors.js";
import { registerDevnetCommand } from "./commands/devnet.js";
import { registerExportCommand } from "./commands/export.js";
import { registerImportCommand } from "./commands/import.js";
import { registerMigrateCommand } from "./commands/migrate.js";
import { registerRolesCommand } from "./commands/roles.js";
import { registerServiceCommands } from "./commands/run.js";
import { registerStatusCommand } from "./commands/status.js";
import { PACKAGE_ROOT } from "./context.js";
import type { Shutdown } from "./run-request.js";

/** Exit codes: 0 ok, 1 failure, 2 bad configuration or usage, 130 forced by a second signal. */
const EXIT_CONFIG = 2;
const DUPLICATE_SIGNAL_MS = 1000;

/**
 * A service `bigbrotr up` runs in a process of its own (cli/service-process.ts) stops when
 * `up` is gone, killed before it could stop it: its channel to `up` closes.
 */
function stopWithParent(controller: AbortController): void {
  if (process.send === undefined) return;
  process.channel?.unref();
  process.once("disconnect", () => {
    if (controller.signal.aborted) return;
    process.stderr.write("\nbigbrotr up is gone: finishing the current step\n");
    controller.abort();
  });
}

function installSignalHandlers(): Shutdown {
  const controller = new AbortController();
  const forced: (() => void)[] = [];
  let received = 0;
  let firstAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // One Ctrl-C can arrive several times (the terminal signals the whole process group and
    // npm relays it too): a repeat within a second is the same request, not a second one.
    if (received > 0 && Date.now() - firstAt < DUPLICATE_SIGNAL_MS) return;
    received += 1;
    if (received === 1) {
      firstAt = Date.now();
      process.stderr.write(`\n${signal} received: finishing the current step (again to force)\n`);
      controller.abort();
      return;
    }
    process.stderr.write(`${signal} received again: forcing exit\n`);
    for (const fn of forced) {
      try {
        fn();
      } catch {
        // best effort on the way out
      }
    }
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  stopWithParent(controller);
  return { signal: controller.signal, onForcedExit: (fn) => forced.push(fn) };
}

/** The package's version, from its package.json (read when asked, not at import). */
function packageVersion(): string {
  const path = join(PACKAGE_ROOT, "package.json");
  return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
}

function buildProgram(shutdown: Shutdown): Command {
  const program = new Command("bigbrotr")
    .version(packageVersion(), "-V, --version", "print the version and exit")
    .description(
      "An observatory of the Nostr network: discovers relays, monitors them (NIP-11, NIP-66) and archives their events in PostgreSQL.",
    )
    .showHelpAfterError()
    .exitOverride();
  registerServiceCommands(program, shutdown);
  registerMigrateCommand(program);
  registerStatusCommand(program);
  registerRolesCommand(program);
  registerDevnetCommand(program, shutdown);
  registerExportCommand(program, shutdown);
  registerImportCommand(program, shutdown);
  return program;
}

function reportError(error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`usage error: ${error.message}\n`);
    return EXIT_CONFIG;
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`configuration error: ${error.message}\n`);
    for (const issue of error.issues) process.stderr.write(`  - ${issue}\n`);
    return EXIT_CONFIG;
  }
  const e = error as { code?: string; exitCode?: number; message?: string };
  if (typeof e.code === "string" && e.code.startsWith("commander.")) {
    return e.exitCode === 0 ? 0 : EXIT_CONFIG;
  }
  process.stderr.write(`error: ${e.message ?? String(error)}\n`);
  return 1;
}

async function main(): Promise<void> {
  const shutdown = installSignalHandlers();
  const program = buildProgram(shutdown);
  let code = 0;
  try {
    await program.parseAsync(process.argv);
    code = process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    code = reportError(error);
  }
  process.exit(code);
}

await main();
