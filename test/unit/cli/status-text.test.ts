import { describe, expect, it } from "vitest";
import {
  renderMonitorStatus,
  renderSyncFailures,
  renderSyncStatus,
} from "../../../src/cli/status-text.js";

const NOW = 1_800_000_000;

describe("status: the synchronizer section", () => {
  it("says so when no relay has a cursor", () => {
    const empty = {
      relays: 0,
      caughtUp: 0,
      notStarted: 0,
      oldestUntil: null,
      oldestUrl: null,
      gaps: 0,
      relaysWithGaps: 0,
      gapRelays: [],
      paths: [],
      relayLacks: 0,
      relaysLacking: 0,
    };
    expect(renderSyncStatus(empty, NOW, 3600)).toBe("synchronizer: no relay has a cursor yet");
  });

  it("shows cursors, caught up, the oldest, and the relays with gaps and their windows", () => {
    const text = renderSyncStatus(
      {
        relays: 12,
        caughtUp: 9,
        notStarted: 1,
        oldestUntil: NOW - 3 * 86_400,
        oldestUrl: "wss://slow.example",
        gaps: 5,
        relaysWithGaps: 2,
        gapRelays: [
          {
            url: "wss://gappy.example",
            gaps: 4,
            windows: [
              { since: 1_700_000_000, until: 1_700_000_001, reason: "second-overflow" },
              { since: 1_600_000_000, until: 1_600_086_400, reason: "ignores-bounds" },
            ],
          },
          {
            url: "wss://a.example",
            gaps: 1,
            windows: [{ since: 0, until: 1, reason: "second-overflow" }],
          },
        ],
        paths: [],
        relayLacks: 0,
        relaysLacking: 0,
      },
      NOW,
      3600,
    );
    const windows =
      "2023-11-14T22:13:20Z..2023-11-14T22:13:21Z second-overflow; 2020-09-13T12:26:40Z..2020-09-14T12:26:40Z ignores-bounds";
    expect(text.split("\n")).toEqual([
      "synchronizer: 12 relays with a cursor, 9 caught up (within 60m), 1 not started",
      "oldest cursor: 3d ago (wss://slow.example)",
      "gaps: 5 on 2 relays",
      "",
      "relay                gaps  latest windows",
      `-------------------  ----  ${"-".repeat(windows.length)}`,
      `wss://gappy.example     4  ${windows}`,
      "wss://a.example         1  1970-01-01T00:00:00Z..1970-01-01T00:00:01Z second-overflow",
    ]);
  });

  it("shows how relays are synced and why, and what their NIP-77 sets lack", () => {
    const text = renderSyncStatus(
      {
        relays: 3,
        caughtUp: 3,
        notStarted: 0,
        oldestUntil: NOW,
        oldestUrl: "wss://a.example",
        gaps: 0,
        relaysWithGaps: 0,
        gapRelays: [],
        paths: [
          {
            path: "negentropy",
            reason: "nip11",
            relays: 2,
            example: "wss://a.example",
            detail: "NIP-11 lists 77",
          },
          {
            path: "req",
            reason: "unsupported",
            relays: 1,
            example: "wss://c.example",
            detail: 'NOTICE "unknown"',
          },
        ],
        relayLacks: 7,
        relaysLacking: 1,
      },
      NOW,
      3600,
    );
    expect(text.split("\n").slice(3)).toEqual([
      "",
      "sync path   reason       relays  for example      detail",
      "----------  -----------  ------  ---------------  ----------------",
      "negentropy  nip11             2  wss://a.example  NIP-11 lists 77",
      'req         unsupported       1  wss://c.example  NOTICE "unknown"',
      "ids seen on relays that their NIP-77 sets now lack: 7 on 1 relay",
    ]);
  });
});

describe("renderMonitorStatus", () => {
  const NOW = 1_700_000_000;
  it("says so before the first check, then counts coverage and the newest rtt results", () => {
    const none = { relays: 4, checked: 0, recent: 0, up: 0, readable: 0, oldestCheck: null };
    expect(renderMonitorStatus(none, NOW, 3600)).toBe("monitor: no relay checked yet");
    const some = { relays: 4, checked: 3, recent: 2, up: 2, readable: 1, oldestCheck: NOW - 7200 };
    expect(renderMonitorStatus(some, NOW, 3600)).toBe(
      "monitor: 3 of 4 relays checked, 2 within 60m; newest rtt check: 2 up, 1 readable\nleast recent check: 2h ago",
    );
  });
});

describe("status: the relays whose last sync failed", () => {
  it("lists each with its runs in a row, when, and why, saying how many are not shown", () => {
    const text = renderSyncFailures(
      {
        total: 3,
        relays: [
          { url: "wss://a.example", reason: "auth-required: reads", at: NOW - 90, count: 4 },
          { url: "wss://b.example", reason: "HTTP 503", at: NOW - 600, count: 1 },
        ],
      },
      NOW,
    );
    const lines = text.split("\n");
    expect(lines[0]).toBe(
      "failing: 3 relays, their last run failed; retried every cycle (the 2 latest)",
    );
    expect(text).toMatch(
      /wss:\/\/a\.example\s+\|?\s*4\s+\|?\s*90s ago\s+\|?\s*auth-required: reads/,
    );
    expect(text).toMatch(/wss:\/\/b\.example.*1.*10m ago.*HTTP 503/);
  });
});
