import type { Command } from "commander";
import { loadBrotrConfig, makeLogger, openDatabase, resolveConfigDir } from "../context.js";
import { logLevelOption } from "../options.js";

export function registerMigrateCommand(program: Command): void {
  program
    .command("migrate")
    .description("create or upgrade the database schema (services also do this at start)")
    .option("--config-dir <dir>", "deployment config folder")
    .addOption(logLevelOption())
    .action(async (flags: { configDir?: string; logLevel?: "info" }) => {
      const brotr = await loadBrotrConfig(resolveConfigDir(flags.configDir));
      const log = makeLogger(brotr, flags.logLevel ? { logLevel: flags.logLevel } : {});
      const db = await openDatabase(brotr, log);
      try {
        const result = await db.migrate();
        log.info(
          {
            version: result.current,
            applied: result.applied.length,
            profile: result.profile,
            partitions: result.partitions,
          },
          "schema_up_to_date",
        );
      } finally {
        await db.close();
      }
    });
}
