import { describe, expect, it } from "vitest";
import { notOperated, webhookUrlProblem } from "../../../src/api/alert-input.js";

describe("webhookUrlProblem", () => {
  it.each([
    ["https://hooks.example.org/x", null],
    ["http://hooks.example.org:8080/x", null],
    ["https://93.184.216.34/x", null],
    ["ftp://hooks.example.org", "must be http:// or https://"],
    ["not a url", "is not a URL"],
    ["https://u:p@hooks.example.org", "must not carry a user or password"],
    ["http://127.0.0.1:9000/hook", "127.0.0.1 is a private address"],
    ["http://[::1]/hook", "::1 is a private address"],
    ["http://10.1.2.3/", "10.1.2.3 is a private address"],
    ["http://localhost:9000/", "localhost is a local name"],
    ["http://intranet/", "intranet is a local name"],
  ])("%s", (url, problem) => {
    expect(webhookUrlProblem(url, false)).toBe(problem);
  });

  it("allows private hosts when configured to (the devnet)", () => {
    expect(webhookUrlProblem("http://127.0.0.1:9000/hook", true)).toBeNull();
    expect(webhookUrlProblem("ftp://127.0.0.1", true)).toBe("must be http:// or https://");
  });
});

describe("notOperated", () => {
  const op = "a".repeat(64);
  it("names each relay the pubkey does not operate, and why", () => {
    const operators = new Map<string, string | null>([
      ["wss://a.example", op],
      ["wss://b.example", null],
      ["wss://c.example", "b".repeat(64)],
    ]);
    const urls = ["wss://a.example", "wss://b.example", "wss://c.example", "wss://d.example"];
    expect(notOperated(urls, operators, op).map((i) => i.message)).toEqual([
      `${op} is not the operator of wss://b.example (its NIP-11 pubkey names no pubkey)`,
      `${op} is not the operator of wss://c.example (its NIP-11 pubkey is ${"b".repeat(64)})`,
      "wss://d.example is not an archived relay",
    ]);
  });
});
