import dns from "node:dns";
import net from "node:net";

/**
 * Loaded before every test file (vitest setupFiles): any TCP connection from the test process
 * to an address outside loopback fails at once with a clear error, before a packet is sent.
 * Names are checked after resolution, through whatever lookup the caller uses (tests map
 * made-up relay names to 127.0.0.1 with their own resolvers).
 */
type LookupFn = NonNullable<net.TcpNetConnectOpts["lookup"]>;

function isLoopback(address: string): boolean {
  const ip = address.replace(/^::ffff:/i, "");
  return ip === "::1" || (net.isIPv4(ip) && ip.startsWith("127."));
}

function refusal(host: string): Error {
  return Object.assign(new Error(`test tried to reach ${host} outside 127.0.0.1 / ::1`), {
    code: "ECONNREFUSED",
  });
}

function guardedLookup(inner: LookupFn): LookupFn {
  return ((
    hostname: string,
    options: dns.LookupOptions,
    callback: (...args: unknown[]) => void,
  ) => {
    inner(hostname, options, ((err: Error | null, address: unknown, family?: number) => {
      if (err) return callback(err, address, family);
      const list = Array.isArray(address) ? address : [{ address, family }];
      const bad = list.find((a: { address: string }) => !isLoopback(a.address));
      if (bad) return callback(refusal(`${hostname} (${bad.address})`));
      callback(null, address, family);
    }) as never);
  }) as LookupFn;
}

const original = net.Socket.prototype.connect;

net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  // net.connect() hands over its normalised arguments as one array.
  const target = Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  checkTarget(target);
  return (original as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;

function checkTarget(args: unknown[]): void {
  const [first] = args;
  if (typeof first === "object" && first !== null && !Array.isArray(first)) {
    const options = first as net.TcpNetConnectOpts & net.IpcNetConnectOpts;
    if (options.path === undefined) {
      const host = options.host ?? "localhost";
      if (net.isIP(host) && !isLoopback(host)) throw refusal(host);
      if (!net.isIP(host)) {
        args[0] = { ...options, lookup: guardedLookup(options.lookup ?? (dns.lookup as LookupFn)) };
      }
    }
  } else if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    const host = typeof args[1] === "string" ? args[1] : "localhost";
    if (net.isIP(host) && !isLoopback(host)) throw refusal(host);
    if (!net.isIP(host) && host !== "localhost") throw refusal(host);
  }
}
