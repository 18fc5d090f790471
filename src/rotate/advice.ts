/**
 * What `rotate` and `doctor` say about an IAM user's access keys: their age, and which key to delete
 * (and how) when the user has one besides the stored key — as after a `rotate` that died between
 * creating the new key and storing it.
 * @module
 */
import { maskAccessKeyId } from "../commands/common.ts";
import type { ListedKey } from "./aws.ts";

/** Keys older than this many days should be rotated. */
export const MAX_KEY_AGE_DAYS = 90;

const DAY_MS = 86_400_000;

/** Whole days since `created`. */
export function ageInDays(created: Date, now: Date = new Date()): number {
  return Math.max(0, Math.floor((now.getTime() - created.getTime()) / DAY_MS));
}

/** `created 2024-01-31, 120 days ago` (or `creation date unknown`). */
export function describeAge(key: Pick<ListedKey, "created">, now: Date = new Date()): string {
  if (!key.created) return "creation date unknown";
  const days = ageInDays(key.created, now);
  const ago = days === 0 ? "today" : days === 1 ? "1 day ago" : `${days} days ago`;
  return `created ${key.created.toISOString().slice(0, 10)}, ${ago}`;
}

/** The AWS CLI command that deletes key `id` of `userName` (using `profile`'s key). */
export function deleteCommand(userName: string, id: string, profile: string): string {
  const word = (text: string) =>
    /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
  return `aws iam delete-access-key --user-name ${word(userName)} --access-key-id ${id}` +
    (profile === "default" ? "" : ` --profile ${word(profile)}`);
}

/**
 * One sentence about a key of the user that is not the stored one: why it is there, that it blocks
 * a rotation (IAM allows two keys), and how to delete it. Its full id is given, since deleting it
 * needs it; an id alone grants nothing.
 */
export function extraKeyAdvice(
  other: ListedKey,
  stored: ListedKey,
  userName: string,
  profile: string,
  place: string,
): string {
  let why: string;
  if (!other.active) {
    why = "is inactive (rotate --deactivate-only leaves the old key so)";
  } else if (other.created && stored.created && other.created >= stored.created) {
    why =
      "is newer than the stored key and stored nowhere vegas-credentials knows: most likely a " +
      "rotate was interrupted after creating it, before storing it, so its secret is lost and " +
      "nothing can use it";
  } else {
    why = "is older than the stored key: the key an interrupted rotate was replacing, or one " +
      "you use elsewhere";
  }
  return `IAM user ${userName} has two access keys: ${maskAccessKeyId(stored.id)} (stored in ` +
    `${place}) and ${other.id} (${describeAge(other)}), which ${why}; IAM allows two, so delete ` +
    `${other.id} if nothing uses it — ${
      deleteCommand(userName, other.id, profile)
    } or in the IAM console (Users, ${userName}, Security credentials) — then run rotate again`;
}
