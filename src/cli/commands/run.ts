import type { Command } from "commander";
import { logLevelOption } from "../options.js";
import { runServices, type Shutdown } from "../runner.js";
import { SERVICES } from "../services.js";

interface RunFlags {
  once?: boolean;
  config?: string;
  configDir?: string;
  logLevel?: "trace" | "debug" | "info" | "warn" | "error" | "fatal";
  logFormat?: "auto" | "text" | "json";
  only?: string;
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
    const unknown = wanted?.filter((n) => !SERVICES.some((s) => s.name === n)) ?? [];
    if (unknown.length > 0) {
      program.error(`unknown service(s): ${unknown.join(", ")}`, { exitCode: 2 });
    }
    const entries = wanted ? SERVICES.filter((s) => wanted.includes(s.name)) : SERVICES;
    process.exitCode = await runServices(
      { ...globals(flags), entries, once: flags.once ?? false, together: true },
      shutdown,
    );
  });

  for (const entry of SERVICES) {
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
    command.action(async (flags: RunFlags & Record<string, unknown>) => {
      const serviceFlags: Record<string, string> = {};
      for (const f of entry.flags) {
        const value = flags[f.key];
        if (typeof value === "string") serviceFlags[f.key] = value;
      }
      process.exitCode = await runServices(
        {
          ...globals(flags),
          ...(flags.config ? { configPath: flags.config } : {}),
          serviceFlags,
          entries: [entry],
          once: flags.once ?? false,
          together: false,
        },
        shutdown,
      );
    });
  }
}
