import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStorageError, openLocalBucket, type Bucket } from '../../packages/kit/src/storage/index.js';
import { openS3Bucket } from '../../packages/kit/src/storage/s3.js';
import { S3RVER_CREDENTIALS, startS3rver, tempDir } from './helpers.js';

const HOSTILE = ['../../etc/passwd', '/abs', 'a/../../b', 'nul\0byte', 'k'.repeat(2048), 'a\\..\\..\\b', '..', '../sibling/file'];

async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) out.push(relative(dir, join(e.parentPath, e.name)));
  return out.sort();
}

async function attackAll(b: Bucket): Promise<void> {
  for (const key of HOSTILE) {
    for (const call of [
      () => b.put(key, Buffer.from('pwned')),
      () => b.put(key, Readable.from([Buffer.from('pwned')])),
      () => b.copy('ok/seed.txt', key),
      () => b.delete(key),
    ]) {
      await expect(call()).rejects.toSatisfy((e) => isStorageError(e, 'invalid_key') && /^invalid object key /.test((e as Error).message));
    }
  }
}

describe('hostile keys: local folder', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => tmp.remove());

  it('rejects them and writes nothing outside (or inside) the bucket folder', async () => {
    const b = await openLocalBucket({ dir: join(tmp.dir, 'parent', 'bucket') });
    await b.put('ok/seed.txt', Buffer.from('seed'));
    const parentBefore = await tree(tmp.dir);
    await attackAll(b);
    expect(await tree(tmp.dir)).toEqual(parentBefore);
    expect(parentBefore.filter((p) => !p.startsWith(join('parent', 'bucket')))).toEqual(['parent']);
  });
});

describe('hostile keys: s3', () => {
  let server: Awaited<ReturnType<typeof startS3rver>>;
  let b: Bucket;
  beforeAll(async () => {
    server = await startS3rver('hostile');
    b = openS3Bucket({ bucket: 'hostile', endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  });
  afterAll(async () => {
    await b.close();
    await server.stop();
  });

  it('rejects them before any request, so the store is unchanged', async () => {
    await b.put('ok/seed.txt', Buffer.from('seed'));
    const before = await tree(server.dir);
    await attackAll(b);
    expect(await tree(server.dir)).toEqual(before);
    const keys: string[] = [];
    for await (const o of b.list('')) keys.push(o.key);
    expect(keys).toEqual(['ok/seed.txt']);
  });
});
