import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStorageError, openLocalBucket, signPresigned, verifyPresigned, type LocalBucket } from '../../packages/kit/src/storage/index.js';
import { bucketConformance } from './conformance.js';
import { readAll, startPresignServer, tempDir } from './helpers.js';

const SECRET = 'test-secret-0123456789abcdef0123456789abcdef';

bucketConformance('local folder', async () => {
  const tmp = await tempDir();
  let bucket: LocalBucket | undefined;
  const server = await startPresignServer(() => bucket as LocalBucket, SECRET);
  bucket = await openLocalBucket({ dir: join(tmp.dir, 'bucket'), publicUrl: server.url, signingSecret: SECRET });
  return {
    bucket,
    teardown: async () => {
      await server.stop();
      await tmp.remove();
    },
  };
}, { serverVerifiesSignatures: true });

describe('local folder driver specifics', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let b: LocalBucket;
  beforeAll(async () => {
    tmp = await tempDir();
    b = await openLocalBucket({ dir: join(tmp.dir, 'bucket'), publicUrl: 'https://app.example.com/', signingSecret: SECRET, now: () => 1_000_000_000_000 });
  });
  afterAll(() => tmp.remove());

  it('stores objects under their own names and leaves no temp files', async () => {
    await b.put('docs/readme.txt', Readable.from([Buffer.from('hi')]), { contentType: 'text/plain' });
    expect(await readdir(join(b.root, 'docs'))).toEqual(['readme.txt']);
    expect(await readdir(join(b.root, '.bigapp', 'tmp'))).toEqual([]);
    await b.put('docs/fail.txt', Readable.from([Buffer.from('x')]), { contentLength: 5 }).catch(() => undefined);
    expect(await readdir(join(b.root, '.bigapp', 'tmp'))).toEqual([]);
  });

  it('cleans up when the source stream fails mid-way', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('client went away'));
      },
    });
    await expect(b.put('docs/broken.bin', failing)).rejects.toThrow('client went away');
    expect(await b.head('docs/broken.bin')).toBeNull();
    expect(await readdir(join(b.root, '.bigapp', 'tmp'))).toEqual([]);
  });

  it('prunes folders a delete leaves empty', async () => {
    await b.put('deep/a/b/c.txt', Buffer.from('x'));
    await b.delete('deep/a/b/c.txt');
    expect((await readdir(b.root)).includes('deep')).toBe(false);
    // ...so the name can now hold an object.
    await b.put('deep', Buffer.from('now a file'));
    expect((await readAll((await b.get('deep')).body)).toString()).toBe('now a file');
  });

  it('reports a key used both as an object and as a folder as conflict', async () => {
    await b.put('clash/a', Buffer.from('x'));
    await expect(b.put('clash/a/b', Buffer.from('y'))).rejects.toSatisfy((e) => isStorageError(e, 'conflict'));
    await b.put('clash2/a/b', Buffer.from('y'));
    await expect(b.put('clash2/a', Buffer.from('x'))).rejects.toSatisfy((e) => isStorageError(e, 'conflict'));
    expect(await b.head('clash/a/b')).toBeNull();
    await b.delete('clash2/a'); // a folder of other keys, not an object: nothing to delete
    expect(await b.head('clash2/a/b')).not.toBeNull();
  });

  it('lists in UTF-8 byte order, as S3 does, not folder-walk order', async () => {
    const keys = ['order/a-b', 'order/a/b', 'order/a0', 'order/b', 'order/\u{1F600}', 'order/\uFFFD'];
    for (const k of keys) await b.put(k, Buffer.from('x'));
    const seen: string[] = [];
    for await (const o of b.list('order/', { pageSize: 2 })) seen.push(o.key);
    expect(seen).toEqual(['order/a-b', 'order/a/b', 'order/a0', 'order/b', 'order/\uFFFD', 'order/\u{1F600}']);
  });

  it('does not list its own bookkeeping or files it did not put whole', async () => {
    await writeFile(join(b.root, '.bigapp', 'tmp', 'leftover'), 'x');
    const keys: string[] = [];
    for await (const o of b.list('')) keys.push(o.key);
    expect(keys.some((k) => k.startsWith('.bigapp'))).toBe(false);
  });

  it('signs links that verifyPresigned accepts, and refuses every altered one', async () => {
    const now = 1_000_000_000_000;
    const url = new URL(await b.presignGet('photos/cat 1.jpg', 600));
    expect(url.origin + url.pathname).toBe('https://app.example.com/bucket/photos/cat%201.jpg');
    const exp = url.searchParams.get('exp') ?? '';
    const sig = url.searchParams.get('sig') ?? '';
    expect(Number(exp)).toBe(now / 1000 + 600);
    const ok = { method: 'GET', key: 'photos/cat 1.jpg', exp, sig };
    expect(verifyPresigned(ok, SECRET, now)).toEqual({ ok: true, method: 'GET', key: 'photos/cat 1.jpg' });
    expect(verifyPresigned({ ...ok, sig: sig.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) }, SECRET, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyPresigned(ok, `${SECRET}x`, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyPresigned(ok, SECRET, now + 600_000)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyPresigned(ok, SECRET, now + 599_000).ok).toBe(true);
    expect(verifyPresigned({ ...ok, key: 'photos/cat 2.jpg' }, SECRET, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyPresigned({ ...ok, method: 'PUT' }, SECRET, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyPresigned({ ...ok, method: 'DELETE' }, SECRET, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyPresigned({ ...ok, exp: String(Number(exp) + 3600) }, SECRET, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyPresigned({ ...ok, sig: 'zz' }, SECRET, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyPresigned({ ...ok, exp: '1e9' }, SECRET, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyPresigned({ ...ok, key: '../etc/passwd' }, SECRET, now)).toEqual({ ok: false, reason: 'invalid_key' });
    expect(verifyPresigned({ ...ok, contentType: 'text/html' }, SECRET, now)).toEqual({ ok: false, reason: 'bad_signature' });

    const put = new URL(await b.presignPut('up/file.txt', 60, 'text/plain'));
    const p = { method: 'PUT', key: 'up/file.txt', exp: put.searchParams.get('exp') ?? '', sig: put.searchParams.get('sig') ?? '' };
    expect(verifyPresigned({ ...p, contentType: 'text/plain' }, SECRET, now)).toEqual({ ok: true, method: 'PUT', key: 'up/file.txt', contentType: 'text/plain' });
    expect(verifyPresigned(p, SECRET, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyPresigned({ ...p, contentType: 'text/html' }, SECRET, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(signPresigned('PUT', 'up/file.txt', Number(p.exp), SECRET, 'text/plain')).toBe(p.sig);
  });

  it('refuses to presign without a secret, naming the variable', async () => {
    const nosecret = await openLocalBucket({ dir: join(tmp.dir, 'other') });
    await expect(nosecret.presignGet('a', 60)).rejects.toThrow(/BUCKET_SIGNING_SECRET/);
  });
});
