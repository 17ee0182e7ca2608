// Signed test data lives in src/devnet so the `bigbrotr devnet` command can use it too.
export {
  DEFAULT_RELAY_URLS,
  type EventTemplate,
  type FakeUser,
  type GenerateOptions,
  generateEvents,
  makeUser,
} from "../../src/devnet/event-factory.js";
