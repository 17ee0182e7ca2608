import type { Command } from "commander";
import { readSettings, schemaVersion } from "../../core/db/migrate.js";
import type { EventQuery } from "../../core/db/read/events.js";
import type { LogLevel } from "../../core/logger.js";
import { exportEvents } from "../archive-file/event-export.js";
import { parseSightingRelay } from "../archive-file/import-line.js";
import { loadBrotrConfig, makeLogger, openDatabase, resolveConfigDir } from "../context.js";
import { logLevelOption, parseKinds, parseTimestamp } from "../options.js";
import { plural } from "../plural.js";
import { createProgress } from "../progress.js";
import type { Shutdown } from "../runner.js";

interface ExportFlags {
  configDir?: string;
  logLevel?: LogLevel;
  since?: number;
  until?: number;
  kinds?: number[];
  relay?: string;
  withRelays?: boolean;
  progress?: boolean;
}

const LILBROTR =
  "this is a lilbrotr archive: it keeps no tags, content or signatures, so its events cannot be rebuilt";

/** The reader of stdout went away (`| head`): the export ends quietly. */
function isClosedOutput(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "EPIPE" || code === "ERR_STREAM_DESTROYED";
}

function fail(message: string): void {
  process.stderr.write(`export: ${message}\n`);
  process.exitCode = 1;
}

/** `bigbrotr export`: the archive (or a filtered part of it) as NIP-01 JSON lines on stdout. */
export function registerExportCommand(program: Command, shutdown: Shutdown): void {
  program
    .command("export")
    .description("write archived events to stdout as NIP-01 JSON, one per line, oldest first")
    .option("--config-dir <dir>", "deployment config folder")
    .addOption(logLevelOption())
    .option("--since <time>", "created_at at or after (unix seconds or ISO 8601)", parseTimestamp)
    .option("--until <time>", "created_at at or before (unix seconds or ISO 8601)", parseTimestamp)
    .option("--kinds <list>", "only these kinds, comma-separated", parseKinds)
    .option("--relay <url>", "only events seen on this relay")
    .option("--with-relays", 'add "relays": [urls], the relays each event was seen on')
    .option("--progress", "report progress on stderr even when it is not a terminal")
    .action(async (flags: ExportFlags, command: Command) => {
      const brotr = await loadBrotrConfig(resolveConfigDir(flags.configDir));
      const query: EventQuery = {};
      if (flags.since !== undefined) query.since = flags.since;
      if (flags.until !== undefined) query.until = flags.until;
      if (flags.kinds !== undefined) query.kinds = flags.kinds;
      if (flags.relay !== undefined) {
        const parsed = parseSightingRelay(flags.relay, brotr.allow_private);
        if (!parsed.ok) command.error(`--relay: ${parsed.reason}`, { exitCode: 2 });
        else query.relayUrl = parsed.relay.url;
      }
      const log = makeLogger(brotr, { logLevel: flags.logLevel ?? "warn" }, process.stderr);
      const db = await openDatabase(brotr, log);
      shutdown.onForcedExit(() => db.stopNow());
      // Write errors reach exportEvents through its callbacks; this keeps a late 'error'
      // event of a closed pipe from crashing the process.
      process.stdout.on("error", () => {});
      try {
        const pool = db.pool("bigbrotr-export");
        if ((await schemaVersion(pool)) === 0) return fail("the database has no schema yet");
        if ((await readSettings(pool)).profile === "lilbrotr") return fail(LILBROTR);
        const progress = createProgress(
          process.stderr,
          flags.progress === true || process.stderr.isTTY === true,
          (n) => `${plural(n, "event")} written`,
        );
        const result = await exportEvents(pool, query, process.stdout, {
          withRelays: flags.withRelays === true,
          signal: shutdown.signal,
          onProgress: (n) => progress.update(n),
        });
        progress.done(result.events);
        if (!result.complete) fail(`interrupted after ${plural(result.events, "event")}`);
      } catch (error) {
        if (!isClosedOutput(error)) throw error;
      } finally {
        await db.close();
      }
    });
}
