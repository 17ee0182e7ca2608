/**
 * TLS session reuse (utils/tls-context.ts): the WebSocket to a relay resumes the session of
 * the NIP-11 GET before it instead of verifying the certificate again. Run in a child process
 * (test/support/tls-session-probe.ts) so that a throwaway CA is in Node's default trust.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { createTestCertificate } from "../../../src/devnet/tls-cert.js";

const probe = fileURLToPath(new URL("../../support/tls-session-probe.ts", import.meta.url));

it("a verified WebSocket resumes the NIP-11 GET's TLS session", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tls-session-"));
  try {
    const names = { commonName: "session CA", organization: "bigbrotr tests" };
    const ca = { ...createTestCertificate({ ...names, altNames: [], isCa: true }), ...names };
    await writeFile(join(dir, "ca.json"), JSON.stringify(ca));
    await writeFile(join(dir, "ca.pem"), ca.cert);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", probe, join(dir, "ca.json")],
      { env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, "ca.pem") } },
    );
    const seen = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");
    expect(seen).toEqual({
      nip11: "ok",
      opens: [
        { insecure: false, reused: true, authorized: true },
        { insecure: false, reused: true, authorized: true },
      ],
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 60_000);
