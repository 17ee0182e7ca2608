export { fetchNip11, NIP11_DEFAULTS, type Nip11FetchOptions, nip11Url } from "./fetch.js";
export { MAX_LIST_LENGTH, MAX_STRING_LENGTH, parseNip11 } from "./parse.js";
export type {
  Nip11Document,
  Nip11Fee,
  Nip11Fees,
  Nip11Limitation,
  Nip11Retention,
} from "./types.js";
