import { describe, expect, it } from "vitest";
import {
  cursorRow,
  parseCursor,
  type SyncPath,
} from "../../../../src/core/db/service-state/sync-cursor.js";
import { RelayDisconnectedError, RelayTimeoutError } from "../../../../src/nips/nip01/index.js";
import {
  NegBlockedError,
  NegClosedError,
  NegProtocolError,
  NegUnsupportedError,
} from "../../../../src/nips/nip77/index.js";
import {
  choosePath,
  failurePath,
  type PathInput,
} from "../../../../src/services/synchronizer/path.js";

const NOW = 1_800_000_000;
const input = (over: Partial<PathInput> = {}): PathInput => ({
  enabled: true,
  filterSupported: true,
  nip11Lists77: false,
  remembered: null,
  now: NOW,
  recheck: 3600,
  ...over,
});
const was = (path: SyncPath["path"], reason: SyncPath["reason"], at = NOW - 60): SyncPath => ({
  path,
  reason,
  detail: "before",
  at,
});

describe("choosePath", () => {
  it.each<[string, Partial<PathInput>, Partial<SyncPath> & { probe: boolean }]>([
    [
      "off in the config",
      { enabled: false, nip11Lists77: true },
      { path: "req", reason: "disabled", probe: false },
    ],
    [
      "a filter the local read cannot select",
      { filterSupported: false },
      { path: "req", reason: "filter", probe: false },
    ],
    [
      "NIP-11 lists 77",
      { nip11Lists77: true },
      { path: "negentropy", reason: "nip11", probe: false },
    ],
    ["nothing known: a probe", {}, { path: "negentropy", reason: "probe", probe: true }],
    [
      "a probe that answered before",
      { remembered: was("negentropy", "probe") },
      { path: "negentropy", reason: "probe", detail: "before", probe: false },
    ],
    [
      "unsupported, recently: REQ",
      { remembered: was("req", "unsupported"), nip11Lists77: true },
      { path: "req", reason: "unsupported", probe: false },
    ],
    [
      "refused, recently: REQ",
      { remembered: was("req", "refused") },
      { path: "req", reason: "refused", probe: false },
    ],
    [
      "unsupported, long ago: probed again",
      { remembered: was("req", "unsupported", NOW - 7200) },
      { path: "negentropy", reason: "probe", probe: true },
    ],
    [
      "failed mid-way last time: tried again",
      { remembered: was("req", "failed") },
      { path: "negentropy", reason: "probe", probe: true },
    ],
    [
      "first fill last time: NIP-77 now",
      { remembered: was("req", "first-fill"), nip11Lists77: true },
      { path: "negentropy", reason: "nip11", probe: false },
    ],
  ])("%s", (_, over, expected) => {
    expect(choosePath(input(over))).toMatchObject(expected);
  });
});

describe("failurePath", () => {
  it.each<[string, unknown, SyncPath["reason"] | null]>([
    ["no NIP-77", new NegUnsupportedError("NOTICE x"), "unsupported"],
    ["NEG-ERR blocked", new NegBlockedError("blocked: no", "blocked", undefined), "refused"],
    ["NEG-ERR closed", new NegClosedError("closed: idle", "closed", undefined), "failed"],
    ["a malformed message", new NegProtocolError("bad"), "failed"],
    ["a disconnect", new RelayDisconnectedError("gone"), "failed"],
    ["a timeout", new RelayTimeoutError("neg-msg", 100), "failed"],
    ["anything else (the database…): not a path question", new Error("db down"), null],
  ])("%s", (_, error, reason) => {
    const path = failurePath(error, NOW);
    if (reason === null) expect(path).toBeNull();
    else expect(path).toMatchObject({ path: "req", reason, at: NOW });
  });
});

describe("the cursor keeps the path and the relay-lacks count", () => {
  it("round-trips, survives a filter change, ignores malformed values", () => {
    const cursor = {
      ...parseCursor(null, {}),
      until: 5,
      relayLacks: 3,
      path: was("negentropy", "nip11"),
    };
    const stored = cursorRow("wss://x", cursor).stateValue;
    expect(parseCursor(stored, {})).toEqual(cursor);
    const other = parseCursor(stored, { kinds: [1] });
    expect(other).toMatchObject({ until: -1, path: cursor.path, relayLacks: 0 });
    const broken = parseCursor({ ...stored, sync_path: { path: "ftp" }, relay_lacks: "x" }, {});
    expect(broken).toMatchObject({ path: null, relayLacks: 0 });
  });
});
