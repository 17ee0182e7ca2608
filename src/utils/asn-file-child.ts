/**
 * Entry of the child process that builds the compact ASN table (asn-file-build.ts
 * `buildAsnFileApart` starts it), so the pages a build touches (~90 MB of RSS the allocator
 * keeps) are never the monitor's. Its last argument is the job as JSON (`{source, path}`); it
 * prints the build's counts as one JSON line.
 */
import { type AsnCsvSource, buildAsnFile } from "./asn-file-build.js";

const job = JSON.parse(process.argv.at(-1) ?? "{}") as { source: AsnCsvSource; path: string };
const built = await buildAsnFile(job.source, job.path);
process.stdout.write(`${JSON.stringify(built)}\n`);
