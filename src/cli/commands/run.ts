import type { Command } from "commander";
import { MONITOR } from "../../core/db/service-state/services.js";
import { logLevelOption } from "../options.js";
import type { RunRequest, Shutdown } from "../run-request.js";
import { SERVICE_COMMANDS } from "../service-catalog.js";

interface RunFlags {
  once?: boolean;
  config?: string;
  configDir?: string;
  logLevel?: "trace" | "debug" | "info" | "warn" | "error" | "fatal";
  logFormat?: "auto" | "text" | "json";
  only?: string;
  relay?: string;
  json?: boolean;
}

function common(command: Command): Command {
  return command
    .option("--config-dir <dir>", "deployment config folder (brotr.yaml, services/*.yaml)")
    .addOption(logLevelOption())
    .option("--log-format <format>", "auto (text on a terminal, else JSON), text or json");
}

function globals(flags: RunFlags) {
  return {
    ...(flags.configDir ? { configDir: flags.configDir } : {}),
    ...(flags.logLevel ? { logLevel: flags.logLevel } : {}),
    ...(flags.logFormat ? { logFormat: flags.logFormat } : {}),
  };
}

/**
 * Runs the named services: the services and the runner are imported only here, when a service
 * is to run, so that the CLI's other commands start without loading them.
 */
async function run(
  names: readonly string[],
  request: Omit<RunRequest, "entries">,
  shutdown: Shutdown,
): Promise<number> {
  const [{ SERVICES }, { runServices }] = await Promise.all([
    import("../services.js"),
    import("../runner.js"),
  ]);
  const entries = SERVICES.filter((s) => names.includes(s.name));
  return runServices({ ...request, entries }, shutdown);
}

/** `bigbrotr monitor --relay URL`: a one-off check of that relay (cli/relay-check.ts). */
async function checkRelay(flags: RunFlags, shutdown: Shutdown): Promise<number> {
  const { runRelayCheck } = await import("../relay-check.js");
  return runRelayCheck(
    {
      ...globals(flags),
      ...(flags.config ? { configPath: flags.config } : {}),
      relay: flags.relay ?? "",
      json: flags.json === true,
    },
    shutdown,
  );
}

/** `bigbrotr up` and one `bigbrotr <service>` command per service. */
export function registerServiceCommands(program: Command, shutdown: Shutdown): void {
  common(
    program
      .command("up")
      .description("run every enabled service together, on one database (the default `npm start`)")
      .option("--once", "run one cycle of each service, then exit")
      .option("--only <names>", "comma-separated subset of services"),
  ).action(async (flags: RunFlags) => {
    const wanted = flags.only?.split(",").map((s) => s.trim());
    const unknown = wanted?.filter((n) => !SERVICE_COMMANDS.some((s) => s.name === n)) ?? [];
    if (unknown.length > 0) {
      program.error(`unknown service(s): ${unknown.join(", ")}`, { exitCode: 2 });
    }
    const names = wanted ?? SERVICE_COMMANDS.map((s) => s.name);
    process.exitCode = await run(
      names,
      { ...globals(flags), once: flags.once ?? false, together: true },
      shutdown,
    );
  });

  for (const entry of SERVICE_COMMANDS) {
    const command = common(
      program
        .command(entry.name)
        .description(entry.description)
        .option("--once", "run a single cycle, then exit (0 on success, 1 on failure)")
        .option(
          "--config <path>",
          "service config file (default <config-dir>/services/<name>.yaml)",
        ),
    );
    for (const f of entry.flags) command.option(f.flags, f.description);
    if (entry.name === MONITOR) command.option("--json", "with --relay: print the results as JSON");
    command.action(async (flags: RunFlags & Record<string, unknown>) => {
      if (entry.name === MONITOR && flags.relay !== undefined) {
        process.exitCode = await checkRelay(flags, shutdown);
        return;
      }
      if (flags.json) command.error("error: --json goes with --relay URL", { exitCode: 2 });
      const serviceFlags: Record<string, string> = {};
      for (const f of entry.flags) {
        const value = flags[f.key];
        if (typeof value === "string") serviceFlags[f.key] = value;
      }
      process.exitCode = await run(
        [entry.name],
        {
          ...globals(flags),
          ...(flags.config ? { configPath: flags.config } : {}),
          serviceFlags,
          once: flags.once ?? false,
          together: false,
        },
        shutdown,
      );
    });
  }
}
