// The fake relay lives in src/devnet so the `bigbrotr devnet` command can use it too.
export {
  DEFAULT_MAX_LIMIT,
  defaultNip11,
  type FakeRelay,
  type FakeRelayOptions,
  startFakeRelay,
} from "../../src/devnet/fake-relay.js";
