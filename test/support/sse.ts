/** A Server-Sent Events client for tests and benches: the events and comments as they come. */

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

export interface SseClient {
  status: number;
  events: SseEvent[];
  comments: string[];
  /** Resolves when the stream ended (closed by the server or by close()). */
  ended: Promise<void>;
  /** Resolves once `test` holds for the events so far (rejects if the stream ends first). */
  until(test: (events: SseEvent[]) => boolean): Promise<SseEvent[]>;
  /** Called with each event as it is parsed. */
  onEvent?: (e: SseEvent) => void;
  close(): void;
}

function parseBlock(block: string, client: SseClient): void {
  const e: SseEvent = { event: "message", data: "" };
  let data: string[] = [];
  let any = false;
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) client.comments.push(line.slice(1).trim());
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const [field, value] = [line.slice(0, colon), line.slice(colon + 1).replace(/^ /, "")];
    if (field === "data") data.push(value);
    else if (field === "id") e.id = value;
    else if (field === "event") e.event = value;
    else continue;
    any = true;
  }
  if (!any || data.length === 0) return;
  e.data = data.join("\n");
  data = [];
  client.events.push(e);
  client.onEvent?.(e);
}

/** Opens `url` as an event stream (GET with Accept: text/event-stream and `headers`). */
export async function openSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url, {
    headers: { accept: "text/event-stream", ...headers },
    signal: abort.signal,
  });
  const waiters = new Set<() => void>();
  let finished = false;
  const client: SseClient = {
    status: res.status,
    events: [],
    comments: [],
    ended: Promise.resolve(),
    until(test) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (test(client.events)) {
            waiters.delete(check);
            resolve(client.events);
          } else if (finished) {
            waiters.delete(check);
            reject(new Error(`stream ended; events: ${JSON.stringify(client.events)}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
    close: () => abort.abort(),
  };
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  client.ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let cut = buffer.indexOf("\n\n");
        while (cut >= 0) {
          parseBlock(buffer.slice(0, cut), client);
          buffer = buffer.slice(cut + 2);
          cut = buffer.indexOf("\n\n");
        }
        wake();
      }
    } catch {
      // aborted
    } finally {
      finished = true;
      wake();
    }
  })();
  return client;
}
