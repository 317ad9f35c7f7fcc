import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import type { Bucket } from '@bigapp/kit/storage';
import { tooLarge } from '../errors.js';

/** Reads the first `want` bytes (fewer if the stream ends), then gives back a stream of the whole. */
export async function peek(source: Readable, want: number): Promise<{ head: Buffer; whole: Readable }> {
  const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let len = 0;
  let done = false;
  while (len < want) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    chunks.push(r.value);
    len += r.value.length;
  }
  const head = Buffer.concat(chunks);
  const whole = Readable.from(
    (async function* () {
      yield head;
      if (done) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    })(),
    { objectMode: false },
  );
  return { head, whole };
}

/** Counts and hashes what passes; fails with 413 past `maxBytes`. */
export class Meter extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');
  constructor(private readonly maxBytes: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      cb(tooLarge(`The file is larger than the limit of ${this.maxBytes} bytes.`));
      return;
    }
    this.hash.update(chunk);
    cb(null, chunk);
  }
  digest(): string {
    return this.hash.digest('hex');
  }
}

/**
 * Streams `body` into the bucket under `key`, hashing and counting; past
 * `maxBytes` nothing is stored (the drivers discard a failed put) and a 413
 * is thrown. `truncated` reports a limit the multipart parser hit itself.
 */
export async function streamToBucket(
  bucket: Bucket,
  key: string,
  body: Readable,
  o: { maxBytes: number; contentType: string; truncated?: () => boolean },
): Promise<{ size: number; sha256: string }> {
  const meter = new Meter(o.maxBytes);
  body.on('error', (e) => meter.destroy(e));
  const piped = body.pipe(meter);
  try {
    await bucket.put(key, piped, { contentType: o.contentType });
    if (o.truncated?.()) throw tooLarge(`The file is larger than the limit of ${o.maxBytes} bytes.`);
  } catch (err) {
    await bucket.delete(key).catch(() => undefined);
    body.destroy();
    // The meter's own error is the clearest; a driver may wrap it.
    if (meter.bytes > o.maxBytes || o.truncated?.()) throw tooLarge(`The file is larger than the limit of ${o.maxBytes} bytes.`);
    throw err;
  }
  return { size: meter.bytes, sha256: meter.digest() };
}
