export {
  NegBlockedError,
  NegClosedError,
  NegErrError,
  NegentropyError,
  NegProtocolError,
  NegTooManyRecordsError,
  NegUnsupportedError,
} from "./errors.js";
export { type Diff, Reconciler } from "./reconciler.js";
export { type NegRecord, RecordSet } from "./records.js";
export {
  NEG_DEFAULTS,
  type NegSyncOptions,
  type NegSyncResult,
  negentropySync,
} from "./session.js";
