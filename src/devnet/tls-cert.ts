/**
 * Throwaway X.509 certificates for loopback TLS relays, built at runtime with node:crypto
 * alone (no openssl binary, no npm package): an ECDSA P-256 key, a DER-encoded v3
 * certificate signed with ecdsa-with-SHA256. A CA can sign leaves, so tests can trust the CA
 * (`ca` option) and see a real chain, or trust nothing and see a self-signed refusal.
 */
import {
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
} from "node:crypto";
import { isIP } from "node:net";

export interface TestCertificate {
  /** PEM of the certificate. */
  cert: string;
  /** PEM (PKCS#8) of its private key. */
  key: string;
}

export interface CertificateOptions {
  /** Subject common name. Default "relay.test". */
  commonName?: string;
  /** Subject organisation, if any. */
  organization?: string;
  /** DNS names and IP literals for subjectAltName. Default [commonName, "localhost", "127.0.0.1", "::1"]. */
  altNames?: string[];
  /** Default: one minute ago. */
  notBefore?: Date;
  /** Default: one day after notBefore. */
  notAfter?: Date;
  /** Signs with this CA (its subject becomes the issuer); default self-signed. */
  issuer?: TestCertificate & { commonName: string; organization?: string };
  /** Marks the certificate as a CA (basicConstraints cA). Default: true when self-signed. */
  isCa?: boolean;
}

// --- minimal DER ---------------------------------------------------------------------------

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, body: Buffer): Buffer =>
  Buffer.concat([Buffer.from([tag]), length(body.length), body]);
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const explicit = (n: number, body: Buffer) => tlv(0xa0 + n, body);
const octets = (body: Buffer) => tlv(0x04, body);
const bitString = (body: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), body]));
const utf8 = (text: string) => tlv(0x0c, Buffer.from(text, "utf8"));
const bool = (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0]));

function integer(bytes: Buffer): Buffer {
  let body = bytes;
  while (body.length > 1 && body[0] === 0 && ((body[1] ?? 0) & 0x80) === 0) body = body.subarray(1);
  if (((body[0] ?? 0) & 0x80) !== 0) body = Buffer.concat([Buffer.from([0]), body]);
  return tlv(0x02, body);
}

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split(".").map(Number);
  const out = [40 * a + b];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128))
      chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime for 1950–2049, GeneralizedTime otherwise (RFC 5280 §4.1.2.5). */
function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(0x17, Buffer.from(`${iso.slice(2)}Z`, "ascii"));
  return tlv(0x18, Buffer.from(`${iso}Z`, "ascii"));
}

const OID = {
  commonName: "2.5.4.3",
  organization: "2.5.4.10",
  ecdsaSha256: "1.2.840.10045.4.3.2",
  basicConstraints: "2.5.29.19",
  subjectAltName: "2.5.29.17",
} as const;

function name(commonName: string, organization?: string): Buffer {
  const rdns = [];
  if (organization !== undefined) rdns.push(set(seq(oid(OID.organization), utf8(organization))));
  rdns.push(set(seq(oid(OID.commonName), utf8(commonName))));
  return seq(...rdns);
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split(".").map(Number));
  const [head = "", tail = ""] = ip.split("::");
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const h = groups(head);
  const t = groups(tail);
  const all = ip.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  return Buffer.concat(all.map((g) => Buffer.from(g.padStart(4, "0"), "hex")));
}

function subjectAltName(names: readonly string[]): Buffer {
  const general = names.map((n) =>
    isIP(n) === 0 ? tlv(0x82, Buffer.from(n, "ascii")) : tlv(0x87, ipBytes(n)),
  );
  return seq(oid(OID.subjectAltName), octets(seq(...general)));
}

function extensions(altNames: readonly string[], isCa: boolean): Buffer {
  const list = altNames.length > 0 ? [subjectAltName(altNames)] : [];
  if (isCa) list.unshift(seq(oid(OID.basicConstraints), bool(true), octets(seq(bool(true)))));
  return explicit(3, seq(...list));
}

function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return integer(bytes);
}

function toPem(der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}

/** Creates a certificate and its key (self-signed unless `issuer` is given). */
export function createTestCertificate(options: CertificateOptions = {}): TestCertificate {
  const commonName = options.commonName ?? "relay.test";
  const altNames = options.altNames ?? [commonName, "localhost", "127.0.0.1", "::1"];
  const notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = options.notAfter ?? new Date(notBefore.getTime() + 86_400_000);
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const issuer = options.issuer;
  const signer: KeyObject = issuer ? createPrivateKey(issuer.key) : privateKey;
  const algorithm = seq(oid(OID.ecdsaSha256));
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    serialNumber(),
    algorithm,
    issuer ? name(issuer.commonName, issuer.organization) : name(commonName, options.organization),
    seq(time(notBefore), time(notAfter)),
    name(commonName, options.organization),
    publicKey.export({ type: "spki", format: "der" }),
    extensions(altNames, options.isCa ?? issuer === undefined),
  );
  const signature = sign("sha256", tbs, signer);
  const cert = toPem(seq(tbs, algorithm, bitString(signature)));
  const key = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return { cert, key };
}

/** A CA and a leaf it signed, for relays whose chain a client can verify against `ca.cert`. */
export function createTestChain(leaf: Omit<CertificateOptions, "issuer" | "isCa"> = {}): {
  ca: TestCertificate & { commonName: string; organization: string };
  leaf: TestCertificate;
} {
  const caName = { commonName: "bigbrotr devnet CA", organization: "bigbrotr devnet" };
  const ca = { ...createTestCertificate({ ...caName, altNames: [], isCa: true }), ...caName };
  return { ca, leaf: createTestCertificate({ ...leaf, issuer: ca, isCa: false }) };
}
