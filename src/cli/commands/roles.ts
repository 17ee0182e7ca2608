import type { Command } from "commander";
import { createLoginRoles, type RoleKind } from "../../core/db/roles.js";
import type { LogLevel } from "../../core/logger.js";
import { ConfigError } from "../../models/errors.js";
import { loadBrotrConfig, makeLogger, openDatabase, resolveConfigDir } from "../context.js";
import { logLevelOption } from "../options.js";

const PASSWORD_ENV: Readonly<Record<RoleKind, string>> = {
  writer: "DB_WRITER_PASSWORD",
  reader: "DB_READER_PASSWORD",
  refresher: "DB_REFRESHER_PASSWORD",
  api: "DB_API_PASSWORD",
};

/**
 * `bigbrotr roles`: creates (or re-passwords) the login users `writer`, `reader`,
 * `refresher` and `api`, members of the least-privilege group roles the migrations create. Each user is
 * created only when its password variable is set. Run it as the database owner/admin.
 */
export function registerRolesCommand(program: Command): void {
  program
    .command("roles")
    .description(
      `create the login users writer, reader, refresher and api (passwords from ${Object.values(PASSWORD_ENV).join(", ")})`,
    )
    .option("--config-dir <dir>", "deployment config folder")
    .addOption(logLevelOption())
    .action(async (flags: { configDir?: string; logLevel?: LogLevel }) => {
      const passwords: Partial<Record<RoleKind, string>> = {};
      for (const [kind, env] of Object.entries(PASSWORD_ENV) as [RoleKind, string][]) {
        const value = process.env[env];
        if (value) passwords[kind] = value;
      }
      if (Object.keys(passwords).length === 0) {
        throw new ConfigError("no role password given", [
          `set at least one of ${Object.values(PASSWORD_ENV).join(", ")}`,
        ]);
      }
      const brotr = await loadBrotrConfig(resolveConfigDir(flags.configDir));
      const log = makeLogger(brotr, flags.logLevel ? { logLevel: flags.logLevel } : {});
      const db = await openDatabase(brotr, log);
      try {
        await db.migrate();
        const results = await createLoginRoles(db.pool("bigbrotr-roles"), passwords);
        for (const r of results) {
          log.info({ kind: r.kind, user: r.user, created: r.created }, "login_role_ready");
        }
      } finally {
        await db.close();
      }
    });
}
