import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

/** Which implementation of BIP-340 verification is in use. */
export type BackendName = "native" | "wasm";

/** What a caller may ask for: `auto` takes native when its binding loads, else WASM. */
export type BackendPreference = "auto" | BackendName;

/**
 * BIP-340 Schnorr signature check over an event id (the 32-byte message), nothing else:
 * the id hash itself is the caller's job. Both methods fail closed: malformed input gives
 * `false`, never an exception.
 */
export interface SignatureBackend {
  readonly name: BackendName;
  /** Lowercase hex: id 64 chars, pubkey 64 chars (x-only), sig 128 chars. */
  verify(idHex: string, pubkeyHex: string, sigHex: string): boolean;
  /** Raw bytes: id 32, pubkey 32, sig 64. */
  verifyBytes(id: Uint8Array, pubkey: Uint8Array, sig: Uint8Array): boolean;
}

type RawVerify = (id: Buffer, pubkey: Buffer, sig: Buffer) => boolean;

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;

/** A real Nostr event signed once for this module; checked whenever a backend loads. */
const KNOWN_GOOD = {
  id: "b38db8cb9db323d0e6d651c562af2f8ce902b5712a81b3a8d8f117590f1b2d65",
  pubkey: "989c0b76cb563971fdc9bef31ec06c3560f3249d6ee9e5d83c57625596e05f6f",
  sig:
    "01bfb01117cd25b6f25eea4e8cfdde04391bd9ecd8ffddfc6c977ca22d1fe278" +
    "8ae2f672952b8f576bb612bddbc71113b2caa31740246e9720bb6dde00d182d4",
} as const;

/** True when the strings are well-formed lowercase hex of the right lengths. */
export function isWellFormedTriple(idHex: string, pubkeyHex: string, sigHex: string): boolean {
  return (
    typeof idHex === "string" &&
    typeof pubkeyHex === "string" &&
    typeof sigHex === "string" &&
    HEX64.test(idHex) &&
    HEX64.test(pubkeyHex) &&
    HEX128.test(sigHex)
  );
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** Wraps a raw verifier with input checks and exception-to-false conversion. */
function makeBackend(name: BackendName, raw: RawVerify): SignatureBackend {
  const verifyBytes = (id: Uint8Array, pubkey: Uint8Array, sig: Uint8Array): boolean => {
    if (id.length !== 32 || pubkey.length !== 32 || sig.length !== 64) return false;
    try {
      return raw(asBuffer(id), asBuffer(pubkey), asBuffer(sig)) === true;
    } catch {
      return false; // e.g. a pubkey that is not an x coordinate on the curve
    }
  };
  return {
    name,
    verifyBytes,
    verify(idHex, pubkeyHex, sigHex) {
      if (!isWellFormedTriple(idHex, pubkeyHex, sigHex)) return false;
      return verifyBytes(
        Buffer.from(idHex, "hex"),
        Buffer.from(pubkeyHex, "hex"),
        Buffer.from(sigHex, "hex"),
      );
    },
  };
}

/** Known-answer test: accepts the known-good signature and rejects a one-bit change. */
function passesSelfTest(backend: SignatureBackend): boolean {
  const { id, pubkey, sig } = KNOWN_GOOD;
  const flipped = `${sig.slice(0, 127)}${sig.endsWith("4") ? "5" : "4"}`;
  return backend.verify(id, pubkey, sig) && !backend.verify(id, pubkey, flipped);
}

interface BcryptoSchnorr {
  native: number;
  verify(msg: Buffer, sig: Buffer, key: Buffer): boolean;
}

function isBcryptoSchnorr(mod: unknown): mod is BcryptoSchnorr {
  const m = mod as Partial<BcryptoSchnorr> | null;
  return typeof m === "object" && m !== null && typeof m.verify === "function";
}

/**
 * bcrypto's BIP-340 module from its native directory. `bcrypto/lib/schnorr` would silently
 * switch to pure JS when NODE_BACKEND=js; the native file instead throws when the compiled
 * binding is missing, and its `native` flag is 2 (the JS module reports 0).
 */
function loadNative(): SignatureBackend | undefined {
  let mod: unknown;
  try {
    mod = createRequire(import.meta.url)("bcrypto/lib/native/schnorr");
  } catch {
    return undefined; // optional dependency absent or its addon failed to build
  }
  if (!isBcryptoSchnorr(mod) || mod.native !== 2) return undefined;
  const schnorr = mod;
  const backend = makeBackend("native", (id, pubkey, sig) => schnorr.verify(id, sig, pubkey));
  return passesSelfTest(backend) ? backend : undefined;
}

interface WasmSecp256k1 {
  verify(sig: Uint8Array, hash: Uint8Array, pubkey: Uint8Array): boolean;
}
type WasmFactory = (bytes: Uint8Array) => Promise<WasmSecp256k1>;

/**
 * nostr-wasm's public API only offers `verifyEvent`, which re-hashes the whole event. Its
 * package also ships libsecp256k1 as `public/out/secp256k1.wasm` and the wrapper
 * `dist/secp256k1.js` (export `W`) with a plain `verify(sig, hash, pubkey)`; we use those.
 * They are not in the package's export map, so a layout change throws here, loudly.
 */
async function loadWasm(): Promise<SignatureBackend> {
  const distDir = path.dirname(createRequire(import.meta.url).resolve("nostr-wasm"));
  const wrapper = (await import(pathToFileURL(path.join(distDir, "secp256k1.js")).href)) as {
    W?: unknown;
  };
  if (typeof wrapper.W !== "function") {
    throw new Error("nostr-wasm layout changed: dist/secp256k1.js no longer exports W");
  }
  const bytes = await readFile(path.join(distDir, "..", "public", "out", "secp256k1.wasm"));
  const secp = await (wrapper.W as WasmFactory)(bytes);
  const backend = makeBackend("wasm", (id, pubkey, sig) => secp.verify(sig, id, pubkey));
  if (!passesSelfTest(backend)) throw new Error("nostr-wasm failed the BIP-340 self-test");
  return backend;
}

/**
 * Loads a verification backend. `auto` prefers native bcrypto (libsecp256k1 compiled at
 * install) and falls back to nostr-wasm; `native` throws when the binding is unavailable.
 */
export async function loadBackend(prefer: BackendPreference = "auto"): Promise<SignatureBackend> {
  if (prefer !== "wasm") {
    const native = loadNative();
    if (native) return native;
    if (prefer === "native") {
      throw new Error("native BIP-340 backend unavailable: bcrypto's binding did not load");
    }
  }
  return loadWasm();
}
