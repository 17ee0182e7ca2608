import { describe, expect, it } from "vitest";
import { type Line, readLines } from "../../../src/utils/lines.js";

async function collect(chunks: Iterable<Buffer | string>, maxLineBytes = 100): Promise<Line[]> {
  const out: Line[] = [];
  async function* source() {
    yield* chunks;
  }
  for await (const line of readLines(source(), { maxLineBytes })) out.push(line);
  return out;
}

const texts = (lines: Line[]) => lines.map((l) => (l.kind === "text" ? l.text : l.kind));

describe("readLines", () => {
  it("splits on LF, drops a CR before it, numbers from 1 and keeps a last line without LF", async () => {
    const lines = await collect(["a\nbb\r\n\n", "c\r\nlast"]);
    expect(texts(lines)).toEqual(["a", "bb", "", "c", "last"]);
    expect(lines.map((l) => l.number)).toEqual([1, 2, 3, 4, 5]);
    expect(lines.map((l) => l.bytes)).toEqual([1, 2, 0, 1, 4]);
    expect(texts(await collect(["x\n"]))).toEqual(["x"]);
    expect(await collect([])).toEqual([]);
  });

  it("joins lines cut anywhere across chunks, multi-byte characters included", async () => {
    const text = 'one\r\n{"content":"日本語 🤙"}\n\nthree';
    const bytes = Buffer.from(text);
    const oneByte = [...bytes].map((b) => Buffer.from([b]));
    expect(texts(await collect(oneByte))).toEqual(["one", '{"content":"日本語 🤙"}', "", "three"]);
  });

  it("accepts a line of exactly the maximum (CR not counted) and refuses one byte more", async () => {
    const max = 10;
    const lines = await collect(
      [`${"a".repeat(10)}\n`, `${"b".repeat(10)}\r\n`, `${"c".repeat(11)}\n`, "d".repeat(11)],
      max,
    );
    expect(lines.map((l) => l.kind)).toEqual(["text", "text", "too-long", "too-long"]);
    expect(lines[2]).toEqual({ kind: "too-long", number: 3, bytes: 11 });
  });

  it("reports invalid UTF-8 and goes on with the next line", async () => {
    const lines = await collect([Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]), "ok\n"]);
    expect(lines.map((l) => l.kind)).toEqual(["not-utf8", "text"]);
  });

  it("skips an oversize line without holding it: memory stays flat over a 512 MB line", async () => {
    const chunk = 64 * 1024;
    const count = 8192; // 512 MiB in fresh 64 KiB chunks
    let peak = 0;
    async function* huge() {
      for (let i = 0; i < count; i++) {
        if (i % 256 === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers);
        yield Buffer.alloc(chunk, 0x61);
      }
      yield "\nafter\n";
    }
    const base = process.memoryUsage().arrayBuffers;
    const lines: Line[] = [];
    for await (const line of readLines(huge(), { maxLineBytes: 1024 * 1024 })) lines.push(line);
    expect(lines).toEqual([
      { kind: "too-long", number: 1, bytes: chunk * count },
      { kind: "text", number: 2, text: "after", bytes: 5 },
    ]);
    expect(peak - base).toBeLessThan(128 * 1024 * 1024);
  });
});
