/**
 * Run by test/protocol/utils/tls-session.test.ts in a child process whose NODE_EXTRA_CA_CERTS
 * names the CA in argv[2] (JSON of cert and key), so the default trust verifies the relay:
 * fetches NIP-11, then opens two WebSockets, and prints one JSON line of what each saw.
 */
import { readFileSync } from "node:fs";
import type { TLSSocket } from "node:tls";
import { startFakeRelay } from "../../src/devnet/fake-relay.js";
import { createTestCertificate, type TestCertificate } from "../../src/devnet/tls-cert.js";
import { fetchNip11 } from "../../src/nips/nip11/index.js";
import { openWebSocket } from "../../src/utils/transport.js";

const ca = JSON.parse(readFileSync(process.argv[2] ?? "", "utf8")) as TestCertificate & {
  commonName: string;
};
const tls = createTestCertificate({ commonName: "localhost", altNames: ["localhost"], issuer: ca });
const relay = await startFakeRelay({ host: "127.0.0.1", tls });
const url = `wss://localhost:${relay.port}`;
const route = { network: "clearnet" as const, allowPrivate: true, timeoutMs: 5000 };
const nip11 = await fetchNip11(url, route);
const opens: { insecure: boolean; reused: boolean; authorized: boolean }[] = [];
for (let i = 0; i < 2; i++) {
  const opened = await openWebSocket(url, route);
  const socket = (opened.ws as unknown as { _socket: TLSSocket })._socket;
  opens.push({
    insecure: opened.insecure,
    reused: socket.isSessionReused(),
    authorized: socket.authorized,
  });
  opened.ws.terminate();
}
await relay.close();
process.stdout.write(`${JSON.stringify({ nip11: nip11.status, opens })}\n`);
