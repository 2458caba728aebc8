/** Object keys: one validation shared by both drivers, so a key that is safe on S3 is also safe as a path on disk. */
import { StorageError } from "./types";

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const MAX_KEY_LENGTH = 512;

/**
 * True for keys like `exports/<project_id>/<export_id>.csv`: `/`-separated
 * segments of `[A-Za-z0-9._-]`, none empty, none starting with a dot (which
 * rules out `.`/`..` and keeps the disk driver's hidden temp files
 * unaddressable), no leading or trailing slash.
 */
export function isValidKey(key: unknown): key is string {
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_KEY_LENGTH) return false;
  return key.split("/").every((segment) => SEGMENT.test(segment));
}

export function assertValidKey(key: unknown): asserts key is string {
  if (!isValidKey(key)) {
    const shown = typeof key === "string" ? JSON.stringify(key.slice(0, 100)) : typeof key;
    throw new StorageError(
      `Invalid storage key ${shown}: use "/"-separated segments of letters, digits, ".", "_" and "-", not starting with ".".`,
    );
  }
}
