import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import type { Command } from "commander";
import type { LogLevel } from "../../core/logger.js";
import { createVerifier } from "../../utils/verify/pool.js";
import { type ImportReport, importEvents } from "../archive-file/event-import.js";
import { parseSightingRelay, type SightingRelay } from "../archive-file/import-line.js";
import { loadBrotrConfig, makeLogger, openDatabase, resolveConfigDir } from "../context.js";
import { logLevelOption, parseNonNegativeInt } from "../options.js";
import { createProgress } from "../progress.js";
import type { Shutdown } from "../runner.js";

interface ImportFlags {
  configDir?: string;
  logLevel?: LogLevel;
  relay?: string;
  json?: boolean;
  progress?: boolean;
  threads?: number;
}

const n = (value: number) => value.toLocaleString("en-US");

function render(report: ImportReport): string {
  const lines = [
    `${n(report.lines)} lines: ${n(report.accepted)} accepted (new), ${n(report.duplicate)} duplicate, ` +
      `${n(report.invalid)} invalid, ${n(report.blank)} blank; ${n(report.sightings)} new sightings`,
  ];
  if (report.invalid > 0) lines.push("invalid lines:");
  for (const bad of report.invalidLines) lines.push(`  line ${bad.line}: ${bad.reason}`);
  const unlisted = report.invalid - report.invalidLines.length;
  if (unlisted > 0) lines.push(`  … and ${n(unlisted)} more (${n(report.invalid)} in total)`);
  if (!report.complete) lines.push("interrupted: the rest of the input was not read");
  return `${lines.join("\n")}\n`;
}

/** The file, opened before anything else so a wrong path fails at once; `-` is stdin. */
async function openInput(file: string): Promise<{ input: Readable; close(): Promise<void> }> {
  if (file === "-") return { input: process.stdin, close: async () => {} };
  const handle = await open(file, "r");
  return { input: handle.createReadStream(), close: () => handle.close().catch(() => {}) };
}

/** `bigbrotr import`: verifies and stores the events of a JSON-lines file. */
export function registerImportCommand(program: Command, shutdown: Shutdown): void {
  program
    .command("import")
    .description("verify the events of a JSON-lines file (- for stdin) and store the valid ones")
    .argument("<file>", "one NIP-01 event per line, e.g. the output of `bigbrotr export`")
    .option("--config-dir <dir>", "deployment config folder")
    .addOption(logLevelOption())
    .option("--relay <url>", "record every event as seen on this relay (default: its relays field)")
    .option("--json", "print the report as JSON")
    .option("--progress", "report progress on stderr even when it is not a terminal")
    .option(
      "--threads <n>",
      "signature checking threads (default: one per core)",
      parseNonNegativeInt,
    )
    .action(async (file: string, flags: ImportFlags, command: Command) => {
      const brotr = await loadBrotrConfig(resolveConfigDir(flags.configDir));
      let relay: SightingRelay | undefined;
      if (flags.relay !== undefined) {
        const parsed = parseSightingRelay(flags.relay, brotr.allow_private);
        if (!parsed.ok) command.error(`--relay: ${parsed.reason}`, { exitCode: 2 });
        else relay = parsed.relay;
      }
      const source = await openInput(file);
      const log = makeLogger(brotr, { logLevel: flags.logLevel ?? "warn" }, process.stderr);
      const db = await openDatabase(brotr, log);
      shutdown.onForcedExit(() => db.stopNow());
      try {
        const { profile } = await db.migrate();
        const verifier = await createVerifier(
          flags.threads === undefined ? {} : { threads: flags.threads },
        );
        const progress = createProgress(
          process.stderr,
          flags.progress === true || process.stderr.isTTY === true,
          (lines) => `${n(lines)} lines imported`,
        );
        try {
          const report = await importEvents(db.pool("bigbrotr-import"), verifier, source.input, {
            profile,
            allowPrivate: brotr.allow_private,
            signal: shutdown.signal,
            onProgress: (r) => progress.update(r.lines),
            ...(relay ? { relay } : {}),
          });
          progress.done(report.lines);
          process.stdout.write(
            flags.json ? `${JSON.stringify(report, null, 2)}\n` : render(report),
          );
          process.exitCode = report.complete ? 0 : 1;
        } finally {
          await verifier.close();
        }
      } finally {
        await source.close();
        await db.close();
      }
    });
}
