import { StorageError } from './errors.js';

/** S3's own limit; keeping it for the folder driver makes both accept the same keys. */
export const MAX_KEY_BYTES = 1024;

/**
 * The first segment the folder driver keeps for its temp files and sidecars.
 * Reserved for both drivers so a key valid on one is valid on the other.
 */
export const RESERVED_SEGMENT = '.bigapp';

// C0 controls, DEL and C1 controls: invisible in logs and URLs, and NUL
// truncates paths in some system calls.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function reject(key: string, why: string): never {
  const shown = key.length > 80 ? `${key.slice(0, 80)}…` : key;
  throw new StorageError('invalid_key', `invalid object key ${JSON.stringify(shown)}: ${why}`, {
    key: shown,
    safeMessage: `The object key is not allowed: ${why}.`,
  });
}

function checkChars(key: string): void {
  if (CONTROL.test(key)) reject(key, 'it contains a control character or NUL');
  if (key.includes('\\')) reject(key, 'it contains a backslash (use "/" to separate segments)');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) reject(key, `it is longer than ${MAX_KEY_BYTES} bytes in UTF-8`);
  // A lone surrogate has no UTF-8 form: S3 and the file system would each store something else.
  if (LONE_SURROGATE.test(key)) reject(key, 'it is not well-formed Unicode');
}

function checkSegments(key: string, segments: string[]): void {
  for (const s of segments) {
    if (s === '') reject(key, 'it has an empty segment ("//", or a leading or trailing "/")');
    if (s === '..') reject(key, 'it has a ".." segment');
    if (s === '.') reject(key, 'it has a "." segment');
  }
  if (segments[0] === RESERVED_SEGMENT) reject(key, `the first segment "${RESERVED_SEGMENT}" is reserved`);
}

/**
 * Throws StorageError('invalid_key') unless `key` is a relative "/"-separated
 * path both drivers store under the same name. Pure; every driver calls it on
 * every key it is given.
 */
export function assertValidKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') reject(String(key), 'it is not a string');
  if (key === '') reject(key, 'it is empty');
  if (key.startsWith('/')) reject(key, 'it is absolute (starts with "/")');
  checkChars(key);
  checkSegments(key, key.split('/'));
}

export function isValidKey(key: unknown): key is string {
  try {
    assertValidKey(key);
    return true;
  } catch {
    return false;
  }
}

/**
 * A list prefix is a plain string prefix, so its last piece may be partial
 * ("photos/ab") or empty ("photos/"); every complete segment before the last
 * "/" must be a valid key segment. The empty prefix lists everything.
 */
export function assertValidPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string') reject(String(prefix), 'the prefix is not a string');
  if (prefix === '') return;
  if (prefix.startsWith('/')) reject(prefix, 'it is absolute (starts with "/")');
  checkChars(prefix);
  const slash = prefix.lastIndexOf('/');
  if (slash >= 0) checkSegments(prefix, prefix.slice(0, slash).split('/'));
}
