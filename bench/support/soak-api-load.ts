/**
 * A steady read load on the API: `perSecond` requests a second spread over the /v1 routes,
 * each answer (status, or 0 when none came within the timeout or the connection failed)
 * recorded with its time, for the api_5xx and recovery checks.
 */
export interface ApiAnswer {
  t: number;
  path: string;
  status: number;
  ms: number;
}

export interface ApiLoad {
  answers: ApiAnswer[];
  stop(): Promise<void>;
}

/** No answer within this long is a hung request (status 0, `timedOut`). */
export const API_TIMEOUT_MS = 30_000;

function paths(relayUrls: readonly string[]): string[] {
  const relay = encodeURIComponent(relayUrls[0] ?? "ws://127.0.0.1:1");
  return [
    "/v1/relays?limit=20",
    "/v1/events?limit=20",
    "/v1/events?kinds=1&limit=10",
    "/v1/stats",
    "/v1/online",
    `/v1/relays/${relay}`,
    `/v1/relays/${relay}/history`,
    "/v1/candidates?limit=10",
  ];
}

async function one(base: string, path: string): Promise<ApiAnswer> {
  const t = Date.now();
  try {
    const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(API_TIMEOUT_MS) });
    await res.arrayBuffer();
    return { t, path, status: res.status, ms: Date.now() - t };
  } catch {
    return { t, path, status: 0, ms: Date.now() - t };
  }
}

export function startApiLoad(base: string, relayUrls: string[], perSecond: number): ApiLoad {
  const answers: ApiAnswer[] = [];
  const inFlight = new Set<Promise<void>>();
  const list = paths(relayUrls);
  let n = 0;
  const timer = setInterval(() => {
    for (let k = 0; k < perSecond; k++) {
      const path = list[n++ % list.length] ?? "/health";
      const p = one(base, path).then((a) => {
        answers.push(a);
        inFlight.delete(p);
      });
      inFlight.add(p);
    }
  }, 1000);
  return {
    answers,
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
    },
  };
}
