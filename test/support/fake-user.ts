// Signed test data lives in src/devnet so the `bigbrotr devnet` command can use it too.
import { loadNostrWasm } from "../../src/devnet/crypto.js";
import { type FakeUser, makeUserWith } from "../../src/devnet/fake-user.js";

export {
  DEFAULT_RELAY_URLS,
  type EventTemplate,
  type FakeUser,
  type GenerateOptions,
  generateEvents,
} from "../../src/devnet/event-factory.js";

/** A user whose keys are derived from `seed` (hash-based, so any seed is valid). */
export async function makeUser(seed: number | string): Promise<FakeUser> {
  return makeUserWith(await loadNostrWasm(), seed);
}
