import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { describe, expect, it } from "vitest";

// The soak's checks must be able to fail: a short soak (12 relays, 30 s, no faults) with one
// archived sighting deleted behind the services' back (--break delete-sighting) must report it
// as a lost event and exit 1.
function soak(args: string[]): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/soak.ts", ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  return new Promise((done) => child.on("close", (code) => done({ code, stdout })));
}

describe("npm run soak", () => {
  it("reports a sighting deleted from the archive as a lost event and fails", async () => {
    const args = ["--minutes", "0.5", "--relays", "12", "--rate", "2", "--seed", "3"];
    const { code, stdout } = await soak([...args, "--no-faults", "--break", "delete-sighting"]);
    const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
    expect(line, stdout.slice(-3000)).toBeDefined();
    const result = JSON.parse(line?.slice("RESULT ".length) ?? "{}");
    expect(result.passed).toBe(false);
    expect(result.runs[0].lost_events).toBe(1);
    expect(result.runs[0].failed).toEqual(["lost_events"]);
    expect(code).toBe(1);
    // A failed soak keeps its folder (logs, data) and names it.
    const kept = /logs and data kept in (\S+)/.exec(stdout)?.[1];
    if (kept) await rm(kept, { recursive: true, force: true });
  }, 600_000);
});
