/** Other monitors' signed NIP-66 events for tests (30166 verdicts, 10166 announcements). */
import type { NostrEvent } from "../../src/models/event-types.js";
import { buildMonitorAnnouncement } from "../../src/nips/nip66/announcement.js";
import type { FakeUser } from "./fake-user.js";

/** A 30166 by `user`: `url` seen up at `at` with rtt-open `rtt` and a few claims. */
export function peerDiscovery(user: FakeUser, url: string, at: number, rtt: number): NostrEvent {
  return user.sign({
    kind: 30166,
    created_at: at,
    content: "",
    tags: [
      ["d", url],
      ["rtt-open", String(rtt)],
      ["n", "clearnet"],
      ["N", "1"],
      ["N", "77"],
      ["R", "!auth"],
      ["T", "PublicOutbox"],
      ["g", "u0yj"],
    ],
  });
}

/** A 10166 by `user`: checks every `frequency` seconds. */
export function peerAnnouncement(user: FakeUser, at: number, frequency = 3600): NostrEvent {
  return user.sign(
    buildMonitorAnnouncement({
      frequencySeconds: frequency,
      checks: [{ check: "open", timeoutMs: 5000 }],
      networks: ["clearnet"],
      geohash: "u0yjj",
      createdAt: at,
    }),
  );
}
