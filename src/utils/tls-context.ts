/**
 * One TLS `SecureContext` per trust configuration, shared by every connection that trusts
 * the same CAs. Node builds a fresh context (and loads its CA store) for each `tls.connect`
 * that is not given one; with thousands of relays a cycle that was a third of the monitor's
 * CPU. The default context trusts Node's CA list (plus NODE_EXTRA_CA_CERTS), like a
 * connection without `ca`; `rejectUnauthorized` stays per connection.
 */
import tls from "node:tls";

const contexts = new Map<string, tls.SecureContext>();
/** Trust configurations held at most (a process has one or two; tests make more). */
const MAX_CONTEXTS = 16;

/** The shared context that trusts `ca` (PEM), or Node's default CAs when `ca` is absent. */
export function sharedSecureContext(ca?: string | string[]): tls.SecureContext {
  const key = ca === undefined ? "" : JSON.stringify(ca);
  let context = contexts.get(key);
  if (context === undefined) {
    if (contexts.size >= MAX_CONTEXTS) contexts.delete(contexts.keys().next().value ?? "");
    context = tls.createSecureContext(ca === undefined ? {} : { ca });
    contexts.set(key, context);
  }
  return context;
}

const sessions = new Map<string, Buffer>();
/** Sessions held at most (one a relay being checked; the oldest go first). */
const MAX_SESSIONS = 2048;

/** The TLS session last saved for `key` (host, port and trust), to resume instead of a full handshake. */
export function savedSession(key: string): Buffer | undefined {
  return sessions.get(key);
}

/**
 * Keeps `socket`'s sessions for `key`, only when its certificate verified: a resumed session
 * carries the first connection's verdict, and is not verified again.
 */
export function keepSessions(key: string, socket: tls.TLSSocket): void {
  socket.on("session", (session: Buffer) => {
    if (!socket.authorized) return;
    sessions.delete(key);
    if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value ?? "");
    sessions.set(key, session);
  });
}
