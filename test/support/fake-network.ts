// The fake network lives in src/devnet so the `bigbrotr devnet` command can use it too.
export {
  type FakeNetwork,
  type FakeNetworkOptions,
  MISBEHAVIOURS,
  type Misbehaviour,
  startFakeNetwork,
} from "../../src/devnet/fake-network.js";
