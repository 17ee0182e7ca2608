export { type CountPayload, encodeCount, parseCountPayload } from "./count.js";
export {
  addPubkey,
  decodeHll,
  encodeHll,
  estimateHll,
  HLL_REGISTERS,
  HLL_STANDARD_ERROR,
  type HllEstimate,
  hllOffset,
  registersOf,
} from "./hll.js";
