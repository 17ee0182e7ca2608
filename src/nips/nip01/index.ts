export { AUTH_KIND, type AuthConfig, type AuthStatus, authTemplate, type Signer } from "./auth.js";
export { type ClientChannel, connectRelay, RelayClient } from "./connection.js";
export {
  AuthRequiredError,
  BlockedError,
  closedError,
  DuplicateError,
  InvalidError,
  MuteError,
  PowError,
  RateLimitedError,
  RelayClientError,
  RelayClosedError,
  RelayDisconnectedError,
  RelayError,
  RelayNoticeError,
  RelayTimeoutError,
  RestrictedError,
  type TimeoutPhase,
} from "./errors.js";
export { type LiveReq, type LiveReqSink, openLiveReq } from "./live-req.js";
export { parseRelayMessage, type RelayMessage, splitPrefix } from "./messages.js";
export {
  type CallOptions,
  type CountResult,
  type PublishResult,
  RELAY_DEFAULTS,
  type RelayClientOptions,
} from "./options.js";
export type { ScreenBatch } from "./screen-frames.js";
export type { RelayStats } from "./stats.js";
export type { ReqOptions, SubscriptionSink, VerifyBatch } from "./subscription.js";
