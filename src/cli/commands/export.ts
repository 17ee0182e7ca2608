import { type Command, Option } from "commander";
import { readSettings, schemaVersion } from "../../core/db/migrate.js";
import type { Db } from "../../core/db/pool.js";
import type { EventQuery } from "../../core/db/read/events.js";
import type { LogLevel } from "../../core/logger.js";
import { exportEvents } from "../archive-file/event-export.js";
import { parseSightingRelay } from "../archive-file/import-line.js";
import { exportParquet } from "../archive-file/parquet-export.js";
import { loadBrotrConfig, makeLogger, openDatabase, resolveConfigDir } from "../context.js";
import { logLevelOption, parseKinds, parseTimestamp } from "../options.js";
import { plural } from "../plural.js";
import { createProgress } from "../progress.js";
import type { Shutdown } from "../run-request.js";

interface ExportFlags {
  configDir?: string;
  logLevel?: LogLevel;
  since?: number;
  until?: number;
  kinds?: number[];
  relay?: string;
  withRelays?: boolean;
  progress?: boolean;
  format: "jsonl" | "parquet";
  out?: string;
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

/** `--format parquet`: the folder of day-partitioned files, with a summary on stderr. */
async function parquet(
  db: Db,
  query: EventQuery,
  dir: string,
  profile: string,
  flags: ExportFlags,
  signal: AbortSignal,
): Promise<void> {
  const progress = createProgress(
    process.stderr,
    flags.progress === true || process.stderr.isTTY === true,
    (n) => `${plural(n, "event")} written`,
  );
  const result = await exportParquet(db, query, dir, {
    profile,
    signal,
    onProgress: (n) => progress.update(n),
  });
  progress.done(result.events);
  const resumed = result.resumedAfter ? `, resumed after ${result.resumedAfter}` : "";
  process.stderr.write(
    `export: ${plural(result.events, "event")}, ${plural(result.sightings, "sighting")} in ${plural(result.days, "day")}, ${plural(result.relays, "relay")}, ${plural(result.checks, "check")} into ${dir}${resumed}\n`,
  );
  if (!result.complete)
    fail(`interrupted after ${plural(result.events, "event")}; run again to resume`);
}

/** `bigbrotr export`: the archive (or a filtered part of it) as NIP-01 JSON lines on stdout. */
export function registerExportCommand(program: Command, shutdown: Shutdown): void {
  program
    .command("export")
    .description(
      "write archived events to stdout as NIP-01 JSON, one per line, oldest first; or, with --format parquet, as Parquet files by day into a folder",
    )
    .option("--config-dir <dir>", "deployment config folder")
    .addOption(logLevelOption())
    .option("--since <time>", "created_at at or after (unix seconds or ISO 8601)", parseTimestamp)
    .option("--until <time>", "created_at at or before (unix seconds or ISO 8601)", parseTimestamp)
    .option("--kinds <list>", "only these kinds, comma-separated", parseKinds)
    .option("--relay <url>", "only events seen on this relay")
    .option("--with-relays", 'add "relays": [urls], the relays each event was seen on')
    .option("--progress", "report progress on stderr even when it is not a terminal")
    .addOption(
      new Option("--format <format>", "jsonl (NIP-01 lines on stdout) or parquet (files in --out)")
        .choices(["jsonl", "parquet"])
        .default("jsonl"),
    )
    .option("--out <dir>", "folder for --format parquet (resumes an export stopped there)")
    .action(async (flags: ExportFlags, command: Command) => {
      if (flags.format === "parquet" && flags.out === undefined)
        command.error("--format parquet writes files: give the folder with --out <dir>", {
          exitCode: 2,
        });
      if (flags.format === "jsonl" && flags.out !== undefined)
        command.error("--out is for --format parquet; JSON lines go to stdout", { exitCode: 2 });
      if (flags.format === "parquet" && flags.withRelays)
        command.error("--with-relays is for JSON lines; Parquet always has sightings/", {
          exitCode: 2,
        });
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
        const { profile } = await readSettings(pool);
        if (flags.format === "parquet" && flags.out !== undefined)
          return await parquet(pool, query, flags.out, profile, flags, shutdown.signal);
        if (profile === "lilbrotr") return fail(LILBROTR);
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
