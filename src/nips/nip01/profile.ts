/**
 * The kind 0 profile (user metadata) as an unsigned template: `content` is a JSON object of
 * the non-empty fields among name, about, picture, nip05, website, banner and lud16, in that
 * order; no tags.
 */
import type { EventTemplate } from "../../utils/keys.js";

export const PROFILE_KIND = 0;
export const PROFILE_FIELDS = [
  "name",
  "about",
  "picture",
  "nip05",
  "website",
  "banner",
  "lud16",
] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];
export type Profile = Partial<Record<ProfileField, string>>;

/**
 * The kind 0 template of `profile` (blank fields left out, the others trimmed).
 */
export function buildProfile(profile: Profile, createdAt: number): EventTemplate {
  const fields: Profile = {};
  for (const key of PROFILE_FIELDS) {
    const value = profile[key]?.trim();
    if (value) fields[key] = value;
  }
  return { kind: PROFILE_KIND, created_at: createdAt, tags: [], content: JSON.stringify(fields) };
}
