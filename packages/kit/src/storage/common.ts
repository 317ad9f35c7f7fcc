import { StorageError } from './errors.js';
import { MAX_PRESIGN_SECONDS, type ByteRange, type ObjectInfo, type ListPage } from './types.js';

/** Checks shared by both drivers so they fail the same way on the same input. */

export function checkExpiry(expiresInSec: number): void {
  if (!Number.isInteger(expiresInSec) || expiresInSec < 1 || expiresInSec > MAX_PRESIGN_SECONDS) {
    throw new StorageError('bad_request', `presign expiry must be an integer from 1 to ${MAX_PRESIGN_SECONDS} seconds, got ${expiresInSec}`);
  }
}

export function checkRange(range: ByteRange | undefined, key: string): void {
  if (!range) return;
  const { start, end } = range;
  const ok = Number.isSafeInteger(start) && start >= 0 && (end === undefined || (Number.isSafeInteger(end) && end >= start));
  if (!ok) throw new StorageError('invalid_range', `invalid range ${JSON.stringify(range)} for ${JSON.stringify(key)}`, { key });
}

export function checkLimit(limit: number | undefined): number {
  const n = limit ?? 1000;
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw new StorageError('bad_request', `list limit must be an integer from 1 to 1000, got ${limit}`);
  }
  return n;
}

export async function* iteratePages(
  listPage: (cursor: string | undefined) => Promise<ListPage>,
): AsyncIterable<ObjectInfo> {
  let cursor: string | undefined;
  do {
    const page = await listPage(cursor);
    yield* page.objects;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
}

/** S3 orders keys by their UTF-8 bytes, which differs from JS string order past U+FFFF. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

// Printable ASCII only: the value is sent back as a header, so CR/LF would be header injection.
const CONTENT_TYPE = /^[\x21-\x7e][\x20-\x7e]{0,254}$/;

export function checkContentType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  if (!CONTENT_TYPE.test(contentType)) {
    throw new StorageError('bad_request', `invalid content type ${JSON.stringify(contentType.slice(0, 80))}`, {
      safeMessage: 'The content type is not allowed.',
    });
  }
  return contentType;
}
