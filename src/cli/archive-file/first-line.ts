/**
 * The first non-blank line of an input stream, read ahead without losing it: the stream
 * comes back whole, the chunks read so far first. Only the first `maxBytes` are looked at.
 */
type Chunk = Buffer | Uint8Array | string;

const DEFAULT_MAX_BYTES = 1024 * 1024;

function firstLineOf(text: string, complete: boolean): string | undefined {
  const lines = text.split("\n");
  // The last piece may be cut mid-line unless the input has ended.
  const whole = complete ? lines : lines.slice(0, -1);
  return whole.map((l) => l.trim()).find((l) => l !== "");
}

export async function peekFirstLine(
  input: AsyncIterable<Chunk>,
  maxBytes = DEFAULT_MAX_BYTES,
): Promise<{ first: string | undefined; input: AsyncIterable<Chunk> }> {
  const iterator = input[Symbol.asyncIterator]();
  const read: Chunk[] = [];
  let text = "";
  let first: string | undefined;
  let ended = false;
  while (first === undefined && text.length < maxBytes) {
    const next = await iterator.next();
    ended = next.done === true;
    if (!ended) {
      read.push(next.value);
      text += typeof next.value === "string" ? next.value : Buffer.from(next.value).toString();
    }
    first = firstLineOf(text, ended);
    if (ended) break;
  }
  async function* whole(): AsyncGenerator<Chunk> {
    yield* read;
    if (ended) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      yield next.value;
    }
  }
  return { first, input: whole() };
}
