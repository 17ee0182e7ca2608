// @nostr-relay/core glue lives in src/devnet (loaded by name, since it is a devDependency) so
// that `bigbrotr devnet --with-core` can use it too.
export {
  type CoreRelayHandle,
  type CoreRelayOptions,
  startCoreRelay,
} from "../../src/devnet/core-relay.js";
