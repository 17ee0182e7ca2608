/**
 * A tiny authoritative DNS server on 127.0.0.1 (UDP), enough to test the real Node resolver
 * (c-ares) behind systemRecordResolver: A, AAAA, NS, CNAME and PTR answers from a map,
 * NXDOMAIN for unknown names, and names it never answers (to see a timeout).
 */
import { createSocket, type RemoteInfo } from "node:dgram";

export interface DnsServerZone {
  /** "name TYPE" → answers: addresses for A/AAAA, names for NS/CNAME/PTR. */
  records: Record<string, string[]>;
  ttl?: number;
  /** Names whose queries get no reply at all. */
  silent?: string[];
}

export interface DnsServer {
  /** "127.0.0.1:port", for Resolver.setServers. */
  address: string;
  queries: string[];
  close(): Promise<void>;
}

const TYPES: Record<number, string> = { 1: "A", 2: "NS", 5: "CNAME", 12: "PTR", 28: "AAAA" };

function readName(msg: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let at = offset;
  for (let len = msg[at] ?? 0; len > 0; len = msg[at] ?? 0) {
    labels.push(msg.subarray(at + 1, at + 1 + len).toString("ascii"));
    at += len + 1;
  }
  return { name: labels.join(".").toLowerCase(), end: at + 1 };
}

function encodeName(name: string): Buffer {
  const parts = name.split(".").filter(Boolean);
  return Buffer.concat([
    ...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, "ascii")])),
    Buffer.from([0]),
  ]);
}

function ipv6Bytes(ip: string): Buffer {
  const [head = "", tail = ""] = ip.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = ip.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  return Buffer.concat(groups.map((g) => Buffer.from(g.padStart(4, "0"), "hex")));
}

function rdata(type: string, value: string): Buffer {
  if (type === "A") return Buffer.from(value.split(".").map(Number));
  if (type === "AAAA") return ipv6Bytes(value);
  return encodeName(value);
}

function answer(query: Buffer, zone: DnsServerZone, queries: string[]): Buffer | null {
  const { name, end } = readName(query, 12);
  const type = TYPES[query.readUInt16BE(end)] ?? "?";
  queries.push(`${type} ${name}`);
  if (zone.silent?.includes(name)) return null;
  const known = Object.keys(zone.records).some((k) => k.startsWith(`${name} `));
  const values = zone.records[`${name} ${type}`] ?? [];
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  header.writeUInt16BE(known ? 0x8580 : 0x8583, 2); // QR AA RD RA; rcode 0 or 3 (NXDOMAIN)
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(values.length, 6);
  const question = query.subarray(12, end + 4);
  const records = values.map((value) => {
    const data = rdata(type, value);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(query.readUInt16BE(end), 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(zone.ttl ?? 300, 6);
    rr.writeUInt16BE(data.length, 10);
    return Buffer.concat([rr, data]);
  });
  return Buffer.concat([header, question, ...records]);
}

export async function startDnsServer(zone: DnsServerZone): Promise<DnsServer> {
  const socket = createSocket("udp4");
  const queries: string[] = [];
  socket.on("message", (msg: Buffer, from: RemoteInfo) => {
    const reply = answer(msg, zone, queries);
    if (reply) socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    queries,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
