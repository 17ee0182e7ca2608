/** The walkthrough's verdicts: each check passes or fails with what was seen; a summary at the end. */

interface Verdict {
  name: string;
  ok: boolean;
  detail: string;
}

export class Checks {
  readonly #verdicts: Verdict[] = [];

  /** Records a check and prints it at once (`detail`: what was seen). */
  check(name: string, ok: boolean, detail = ""): boolean {
    this.#verdicts.push({ name, ok, detail });
    console.log(`${ok ? "PASS" : "FAIL"}  ${name}${detail ? `: ${detail}` : ""}`);
    return ok;
  }

  /** Runs `step`; a throw is a failed check with its message. */
  async step(name: string, step: () => Promise<string | undefined>): Promise<boolean> {
    try {
      return this.check(name, true, (await step()) ?? "");
    } catch (error) {
      return this.check(name, false, error instanceof Error ? error.message : String(error));
    }
  }

  get failed(): number {
    return this.#verdicts.filter((v) => !v.ok).length;
  }

  summary(): string {
    const passed = this.#verdicts.length - this.failed;
    const failures = this.#verdicts.filter((v) => !v.ok).map((v) => `  - ${v.name}: ${v.detail}`);
    const verdict = this.failed === 0 ? "PASSED" : "FAILED";
    return [`walkthrough ${verdict}: ${passed} passed, ${this.failed} failed`, ...failures].join(
      "\n",
    );
  }
}
