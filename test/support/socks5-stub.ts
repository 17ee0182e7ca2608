// The SOCKS5 stub lives in src/devnet so the `bigbrotr devnet` command can use it too.
export {
  SOCKS5_REPLY,
  type Socks5Stub,
  type Socks5StubOptions,
  type Socks5Target,
  startSocks5Stub,
} from "../../src/devnet/socks5-stub.js";
