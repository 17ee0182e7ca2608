import { readFile } from "node:fs/promises";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { ConfigError } from "../../models/errors.js";

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || "(root)";
}

/** One line per problem, each starting with its YAML path: `finder.events.scan_size: …`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map(
        (key) => `${formatPath([...issue.path, key])}: unknown key (check the spelling)`,
      );
    }
    return [`${formatPath(issue.path)}: ${issue.message}`];
  });
}

/** Validates `raw` against `schema`; throws a ConfigError listing every issue with its path. */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  source: string,
): z.output<S> {
  const result = schema.safeParse(raw ?? {});
  if (!result.success) {
    throw new ConfigError(`invalid configuration in ${source}`, formatIssues(result.error.issues));
  }
  return Object.freeze(result.data) as z.output<S>;
}

/** Parses YAML text; syntax errors become a ConfigError with line and column. */
export function parseYaml(text: string, source: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      `invalid YAML in ${source}`,
      doc.errors.map(
        (e) => `${e.linePos?.[0] ? `line ${e.linePos[0].line}: ` : ""}${e.message.split("\n")[0]}`,
      ),
    );
  }
  return doc.toJS() as unknown;
}

/** Reads and parses a YAML file, or returns undefined when it does not exist and `optional`. */
export async function readYamlFile(path: string, optional = false): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (optional && (error as { code?: string }).code === "ENOENT") return undefined;
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`, [], { cause: error });
  }
  return parseYaml(text, path);
}
