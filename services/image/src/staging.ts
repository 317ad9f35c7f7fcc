import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A private temp folder, removed by `remove()` whatever happened inside. */
export async function tempDir(parent: string | undefined, prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(parent ?? os.tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export class TooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`more than ${limit} bytes`);
  }
}

/** Streams `body` into `file`, failing with TooLargeError past `maxBytes`. Returns the bytes written. */
export async function streamToFile(body: Readable, file: string, maxBytes: number, signal?: AbortSignal): Promise<number> {
  let n = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      if (n > maxBytes) cb(new TooLargeError(maxBytes));
      else cb(null, chunk);
    },
  });
  await pipeline(body, limit, createWriteStream(file, { flags: 'wx', mode: 0o600 }), signal ? { signal } : {});
  return n;
}
