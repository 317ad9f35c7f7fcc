import { createHmac, timingSafeEqual } from 'node:crypto';
import { assertValidKey, isValidKey } from './keys.js';

/**
 * Presigned links for the folder driver. The web service serves
 * `/bucket/<key>` and calls `verifyPresigned` with the query parameters; the
 * signature binds method, key, expiry and (for uploads) content type, so a
 * link cannot be reused for another object, verb or time.
 */

export type PresignMethod = 'GET' | 'PUT';

export interface PresignedParams {
  method: string;
  key: string;
  /** Unix seconds, as found in the `exp` query parameter. */
  exp: number | string;
  sig: string;
  /** The `ct` query parameter, when the link was made with a content type. */
  contentType?: string | undefined;
}

export type VerifyResult =
  | { ok: true; method: PresignMethod; key: string; contentType?: string }
  | { ok: false; reason: 'malformed' | 'invalid_key' | 'expired' | 'bad_signature' };

const VERSION = 'bigapp-bucket-v1';

function payload(method: string, key: string, exp: number, contentType: string | undefined): string {
  // NUL cannot appear in a valid key or method, so fields cannot run into each other.
  return [VERSION, method, key, String(exp), contentType ?? ''].join('\0');
}

export function signPresigned(method: PresignMethod, key: string, exp: number, secret: string, contentType?: string): string {
  return createHmac('sha256', secret).update(payload(method, key, exp, contentType)).digest('hex');
}

/** Each segment is encoded alone so the "/" separators stay readable in the URL. */
export function encodeKeyPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

export function presignedUrl(
  baseUrl: string,
  method: PresignMethod,
  key: string,
  expiresInSec: number,
  secret: string,
  nowMs: number,
  contentType?: string,
): string {
  assertValidKey(key);
  const exp = Math.floor(nowMs / 1000) + expiresInSec;
  const sig = signPresigned(method, key, exp, secret, contentType);
  const q = new URLSearchParams({ method, exp: String(exp), sig });
  if (contentType !== undefined) q.set('ct', contentType);
  return `${baseUrl.replace(/\/+$/, '')}/bucket/${encodeKeyPath(key)}?${q.toString()}`;
}

/**
 * Pure check of a presigned request. `key` is the decoded path after
 * `/bucket/`; `nowMs` is milliseconds like Date.now(). The signature is
 * compared in constant time; expiry is checked after it so a forged link
 * learns nothing from the reason.
 */
export function verifyPresigned(params: PresignedParams, secret: string, nowMs: number = Date.now()): VerifyResult {
  const { method, key, sig, contentType } = params;
  const exp = typeof params.exp === 'number' ? params.exp : /^\d{1,12}$/.test(params.exp) ? Number(params.exp) : NaN;
  if ((method !== 'GET' && method !== 'PUT') || !Number.isSafeInteger(exp) || typeof sig !== 'string' || !/^[0-9a-f]{64}$/.test(sig)) {
    return { ok: false, reason: 'malformed' };
  }
  if (!isValidKey(key)) return { ok: false, reason: 'invalid_key' };
  const expected = Buffer.from(signPresigned(method, key, exp, secret, contentType), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(sig, 'hex'))) return { ok: false, reason: 'bad_signature' };
  if (Math.floor(nowMs / 1000) >= exp) return { ok: false, reason: 'expired' };
  return contentType === undefined ? { ok: true, method, key } : { ok: true, method, key, contentType };
}
