import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import type { Command } from "commander";
import type { LogLevel } from "../../core/logger.js";
import { UsageError } from "../../models/errors.js";
import { createVerifier } from "../../utils/verify/pool.js";
import { type ImportReport, importEvents } from "../archive-file/event-import.js";
import { peekFirstLine } from "../archive-file/first-line.js";
import {
  namesNoRelay,
  parseSightingRelay,
  type SightingRelay,
} from "../archive-file/import-line.js";
import { loadBrotrConfig, makeLogger, openDatabase, resolveConfigDir } from "../context.js";
import { logLevelOption, parseNonNegativeInt } from "../options.js";
import { plural } from "../plural.js";
import { createProgress } from "../progress.js";
import type { Shutdown } from "../run-request.js";

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
    `${plural(report.lines, "line")}: ${n(report.accepted)} accepted (new), ${n(report.duplicate)} duplicate, ` +
      `${n(report.invalid)} invalid, ${n(report.blank)} blank; ${plural(report.sightings, "new sighting")}`,
  ];
  if (report.invalid > 0) lines.push("invalid lines:");
  for (const bad of report.invalidLines) lines.push(`  line ${bad.line}: ${bad.reason}`);
  const unlisted = report.invalid - report.invalidLines.length;
  if (unlisted > 0) lines.push(`  … and ${n(unlisted)} more (${n(report.invalid)} in total)`);
  if (!report.complete) lines.push("interrupted: the rest of the input was not read");
  return `${lines.join("\n")}\n`;
}

interface Input {
  input: AsyncIterable<Buffer | Uint8Array | string>;
  close(): Promise<void>;
}

/** The file, opened before anything else so a wrong path fails at once; `-` is stdin. */
async function openInput(file: string): Promise<Input> {
  if (file === "-") return { input: process.stdin as Readable, close: async () => {} };
  const handle = await open(file, "r");
  return { input: handle.createReadStream(), close: () => handle.close().catch(() => {}) };
}

/**
 * A plain NIP-01 file (its first event names no relay) needs `--relay`: said once, up front,
 * before the database is opened, rather than once per line.
 */
async function requireAttribution(file: string, source: Input): Promise<Input> {
  const { first, input } = await peekFirstLine(source.input);
  if (first !== undefined && namesNoRelay(first)) {
    await source.close();
    const name = file === "-" ? "the input" : file;
    throw new UsageError(
      `${name} holds plain NIP-01 events that name no relay: add --relay URL to record them as seen on that relay (\`bigbrotr export --with-relays\` writes files that name theirs)`,
    );
  }
  return { ...source, input };
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
      const opened = await openInput(file);
      const source = relay ? opened : await requireAttribution(file, opened);
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
          (lines) => `${plural(lines, "line")} imported`,
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
