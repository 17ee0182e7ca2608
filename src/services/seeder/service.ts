import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { insertRelays } from "../../core/db/relays.js";
import { insertCandidates } from "../../core/db/service-state/candidates.js";
import { SEEDER } from "../../core/db/service-state/services.js";
import type { CycleReport, Service, ServiceContext } from "../../core/service.js";
import type { ServiceDeps } from "../../core/service-deps.js";
import { BrotrError } from "../../models/errors.js";
import type { SeederConfig } from "./config.js";
import { type ParsedSeedFile, parseSeedText, type SeedEntry } from "./seed-file.js";

/** URLs per INSERT statement. */
const BATCH_SIZE = 1000;

/** Lines per outcome: added (new), known (already a relay/candidate), duplicate, rejected. */
type LineOutcome = "added" | "known" | "duplicate" | "rejected";

async function readSeedFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new BrotrError(`cannot read seed file ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function insertEntries(
  ctx: ServiceContext,
  entries: readonly SeedEntry[],
  toValidate: boolean,
): Promise<number> {
  const now = ctx.now();
  let added = 0;
  for (let i = 0; i < entries.length; i += BATCH_SIZE) {
    const batch = entries.slice(i, i + BATCH_SIZE);
    added += toValidate
      ? await insertCandidates(
          ctx.db,
          batch.map((e) => ({ url: e.url, network: e.network, source: "seed" })),
          now,
        )
      : await insertRelays(
          ctx.db,
          batch.map((e) => ({ url: e.url, network: e.network, discoveredAt: now })),
        );
  }
  return added;
}

function countLines(ctx: ServiceContext, counts: Record<LineOutcome, number>): void {
  const lines = ctx.metrics.counter("brotr_seed_lines_total", "Seed file lines by outcome", [
    "outcome",
  ]);
  for (const [outcome, n] of Object.entries(counts)) if (n > 0) lines.inc({ outcome }, n);
}

function logRejections(ctx: ServiceContext, parsed: ParsedSeedFile): void {
  for (const r of parsed.rejected) {
    ctx.log.warn({ line: r.line, reason: r.reason }, "seed_line_rejected");
  }
}

/**
 * The seeder (one-shot): reads the seed file and adds its relays as candidates (or, with
 * `to_validate: false`, straight into the relay table). Re-running it changes nothing:
 * known relays and candidates are skipped and existing failure counters are kept.
 * Relays on networks that are disabled are seeded too; the validator probes them once
 * their network is enabled.
 */
export function createSeeder(deps: ServiceDeps, config: SeederConfig): Service {
  const path = resolve(config.seed.file_path);
  const toValidate = config.seed.to_validate;
  return {
    name: SEEDER,
    async runCycle(ctx): Promise<CycleReport> {
      const parsed = parseSeedText(await readSeedFile(path), {
        allowPrivate: deps.brotr.allow_private,
      });
      logRejections(ctx, parsed);
      const added = await insertEntries(ctx, parsed.entries, toValidate);
      const counts: Record<LineOutcome, number> = {
        added,
        known: parsed.entries.length - added,
        duplicate: parsed.duplicates,
        rejected: parsed.rejected.length,
      };
      countLines(ctx, counts);
      return { file: path, target: toValidate ? "candidates" : "relays", ...counts };
    },
  };
}
