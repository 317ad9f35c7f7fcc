import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStorageError, type Bucket } from '../../packages/kit/src/storage/index.js';
import { randomBytes, readAll } from './helpers.js';

export interface DriverUnderTest {
  bucket: Bucket;
  teardown: () => Promise<void>;
}

async function expectCode(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(isStorageError(err), String(err)).toBe(true);
    expect((err as { code: string }).code).toBe(code);
    return;
  }
  throw new Error(`expected a StorageError with code ${code}, nothing was thrown`);
}

export const HOSTILE_KEYS: Array<[string, string]> = [
  ['../../etc/passwd', '".." segment'],
  ['/abs', 'absolute'],
  ['a/../../b', '".." segment'],
  ['a\0b', 'control character or NUL'],
  ['k'.repeat(2048), '1024 bytes'],
  ['a\\..\\b', 'backslash'],
  ['a//b', 'empty segment'],
  ['a/./b', '"." segment'],
  ['', 'empty'],
  ['.bigapp/tmp/x', 'reserved'],
];

/** The behaviour every driver must share; `setup` builds a fresh, empty bucket. */
export interface ConformanceOptions {
  /**
   * Whether the server behind the bucket checks signatures. s3rver 3 does not
   * check SigV4 at all, so against it the refusals are not observable; the
   * signed parameters are inspected instead.
   */
  serverVerifiesSignatures: boolean;
}

export function bucketConformance(name: string, setup: () => Promise<DriverUnderTest>, opts: ConformanceOptions): void {
  describe(`bucket conformance: ${name}`, () => {
    let d: DriverUnderTest;
    let b: Bucket;
    beforeAll(async () => {
      d = await setup();
      b = d.bucket;
    });
    afterAll(async () => {
      await d?.teardown();
    });

    it('answers ping', async () => {
      await expect(b.ping()).resolves.toBeUndefined();
    });

    it('puts, heads, gets and deletes a buffer', async () => {
      const body = Buffer.from('hello bucket');
      const put = await b.put('rt/hello.txt', body, { contentType: 'text/plain' });
      expect(put.contentLength).toBe(body.length);
      const head = await b.head('rt/hello.txt');
      expect(head?.contentLength).toBe(body.length);
      expect(head?.contentType).toBe('text/plain');
      expect(head?.etag).toBeTruthy();
      const got = await b.get('rt/hello.txt');
      expect(got.contentLength).toBe(body.length);
      expect(got.contentType).toBe('text/plain');
      expect(await readAll(got.body)).toEqual(body);
      await b.delete('rt/hello.txt');
      expect(await b.head('rt/hello.txt')).toBeNull();
      await expectCode(b.get('rt/hello.txt'), 'not_found');
    });

    it('puts a stream and an empty object', async () => {
      const data = randomBytes(300_000, 7);
      const put = await b.put('rt/stream.bin', Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]));
      expect(put.contentLength).toBe(data.length);
      expect(await readAll((await b.get('rt/stream.bin')).body)).toEqual(data);
      await b.put('rt/empty', Buffer.alloc(0));
      const got = await b.get('rt/empty');
      expect(got.contentLength).toBe(0);
      expect((await readAll(got.body)).length).toBe(0);
    });

    it('keeps unicode and spaces in keys', async () => {
      const key = 'uni/ünï çødé/日本 語.txt';
      await b.put(key, Buffer.from('u'));
      expect((await readAll((await b.get(key)).body)).toString()).toBe('u');
      const keys: string[] = [];
      for await (const o of b.list('uni/')) keys.push(o.key);
      expect(keys).toEqual([key]);
    });

    it('overwrites an object and changes its etag', async () => {
      await b.put('ow/x', Buffer.from('first version'), { contentType: 'text/plain' });
      const e1 = (await b.head('ow/x'))?.etag;
      await b.put('ow/x', Buffer.from('v2'), { contentType: 'application/json' });
      const head = await b.head('ow/x');
      expect(head?.contentLength).toBe(2);
      expect(head?.contentType).toBe('application/json');
      expect(head?.etag).not.toBe(e1);
      expect((await readAll((await b.get('ow/x')).body)).toString()).toBe('v2');
    });

    it('defaults the content type to application/octet-stream', async () => {
      await b.put('ct/none', Buffer.from('x'));
      expect((await b.head('ct/none'))?.contentType).toBe('application/octet-stream');
      await expectCode(b.put('ct/bad', Buffer.from('x'), { contentType: 'text/html\r\nx-evil: 1' }), 'bad_request');
    });

    it('reports a missing object as not_found everywhere', async () => {
      await expectCode(b.get('missing/nope'), 'not_found');
      await expectCode(b.get('missing/nope', { range: { start: 0, end: 1 } }), 'not_found');
      expect(await b.head('missing/nope')).toBeNull();
      await expect(b.delete('missing/nope')).resolves.toBeUndefined();
      await expectCode(b.copy('missing/nope', 'missing/copy'), 'not_found');
      expect(await b.head('missing/copy')).toBeNull();
    });

    it('reads byte ranges', async () => {
      const data = randomBytes(1000, 3);
      await b.put('range/obj', data);
      const mid = await b.get('range/obj', { range: { start: 10, end: 19 } });
      expect(mid.contentLength).toBe(10);
      expect(await readAll(mid.body)).toEqual(data.subarray(10, 20));
      const tail = await b.get('range/obj', { range: { start: 990 } });
      expect(tail.contentLength).toBe(10);
      expect(await readAll(tail.body)).toEqual(data.subarray(990));
      const clamped = await b.get('range/obj', { range: { start: 995, end: 5000 } });
      expect(clamped.contentLength).toBe(5);
      expect(await readAll(clamped.body)).toEqual(data.subarray(995));
      await expectCode(b.get('range/obj', { range: { start: 1000 } }), 'invalid_range');
      await expectCode(b.get('range/obj', { range: { start: 5, end: 2 } }), 'invalid_range');
    });

    it('lists by prefix, in key order, over several pages', async () => {
      // "a-b" before "a/b" (byte order) is left out here: s3rver lists in
      // folder-walk order, unlike S3. local.test.ts checks it on the folder driver.
      const keys = ['list/a/a', 'list/a/b', 'list/a/c', 'list/b', 'list/c/d/e', 'list/d', 'list/e', 'list/f'];
      for (const k of [...keys].reverse()) await b.put(k, Buffer.from(k));
      await b.put('listing/other', Buffer.from('x'));
      await b.put('lis', Buffer.from('x'));
      const seen: string[] = [];
      for await (const o of b.list('list/', { pageSize: 3 })) {
        seen.push(o.key);
        expect(o.size).toBe(Buffer.byteLength(o.key));
      }
      expect(seen).toEqual(keys);

      const p1 = await b.listPage('list/', { limit: 3 });
      expect(p1.objects.map((o) => o.key)).toEqual(keys.slice(0, 3));
      expect(p1.nextCursor).toBeTruthy();
      const p2 = await b.listPage('list/', { limit: 3, ...(p1.nextCursor ? { cursor: p1.nextCursor } : {}) });
      expect(p2.objects.map((o) => o.key)).toEqual(keys.slice(3, 6));
      const p3 = await b.listPage('list/', { limit: 3, ...(p2.nextCursor ? { cursor: p2.nextCursor } : {}) });
      expect(p3.objects.map((o) => o.key)).toEqual(keys.slice(6));
      expect(p3.nextCursor).toBeUndefined();

      const partial: string[] = [];
      for await (const o of b.list('list/a')) partial.push(o.key);
      expect(partial).toEqual(['list/a/a', 'list/a/b', 'list/a/c']);
      const broad: string[] = [];
      for await (const o of b.list('lis')) broad.push(o.key);
      expect(broad).toEqual(['lis', ...keys, 'listing/other']);
      const none: string[] = [];
      for await (const o of b.list('nothing-here/')) none.push(o.key);
      expect(none).toEqual([]);
    });

    it('copies bytes and content type, overwriting the target', async () => {
      await b.put('cp/src', Buffer.from('source bytes'), { contentType: 'image/png' });
      await b.put('cp/dst', Buffer.from('old'));
      await b.copy('cp/src', 'cp/dst');
      const head = await b.head('cp/dst');
      expect(head?.contentType).toBe('image/png');
      expect((await readAll((await b.get('cp/dst')).body)).toString()).toBe('source bytes');
      expect(await b.head('cp/src')).not.toBeNull();
      await b.copy('cp/src', 'cp/deeper/new');
      expect((await readAll((await b.get('cp/deeper/new')).body)).toString()).toBe('source bytes');
    });

    it('refuses a body that is not the declared length and stores nothing', async () => {
      await expectCode(b.put('len/short', Readable.from([Buffer.from('abc')]), { contentLength: 10 }), 'bad_request');
      await expectCode(b.put('len/long', Readable.from([Buffer.from('abcdefghijkl')]), { contentLength: 10 }), 'bad_request');
      await expectCode(b.put('len/buf', Buffer.from('abc'), { contentLength: 4 }), 'bad_request');
      expect(await b.head('len/short')).toBeNull();
      expect(await b.head('len/long')).toBeNull();
      expect(await b.head('len/buf')).toBeNull();
    });

    it('serves presigned GET and PUT URLs that really work', async () => {
      const key = 'signed/photo 1.png';
      await b.put(key, Buffer.from('pixels'), { contentType: 'image/png' });
      const getUrl = await b.presignGet(key, 300);
      const r = await fetch(getUrl);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('image/png');
      expect(await r.text()).toBe('pixels');

      const putUrl = await b.presignPut('signed/upload.txt', 300, 'text/plain');
      const up = await fetch(putUrl, { method: 'PUT', body: 'uploaded through a link', headers: { 'content-type': 'text/plain' } });
      expect(up.status).toBe(200);
      await up.arrayBuffer();
      const head = await b.head('signed/upload.txt');
      expect(head?.contentType).toBe('text/plain');
      expect((await readAll((await b.get('signed/upload.txt')).body)).toString()).toBe('uploaded through a link');

      if (opts.serverVerifiesSignatures) {
        // A tampered signature is refused.
        const u = new URL(getUrl);
        const sigParam = u.searchParams.has('sig') ? 'sig' : 'X-Amz-Signature';
        const sig = u.searchParams.get(sigParam) ?? '';
        u.searchParams.set(sigParam, (sig[0] === '0' ? '1' : '0') + sig.slice(1));
        const bad = await fetch(u);
        expect(bad.status).toBe(403);
        await bad.arrayBuffer();

        // The link binds its content type.
        const wrongType = await fetch(putUrl, { method: 'PUT', body: '<script>', headers: { 'content-type': 'text/html' } });
        expect(wrongType.status).toBe(403);
        await wrongType.arrayBuffer();
        // A GET link does not allow an upload.
        const putOnGet = await fetch(getUrl, { method: 'PUT', body: 'x', headers: { 'content-type': 'image/png' } });
        expect(putOnGet.status).toBe(403);
        await putOnGet.arrayBuffer();
        expect((await readAll((await b.get(key)).body)).toString()).toBe('pixels');

      } else {
        const g = new URL(getUrl).searchParams;
        expect(g.get('X-Amz-Expires')).toBe('300');
        expect(g.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
        const p = new URL(putUrl).searchParams;
        expect(p.get('X-Amz-SignedHeaders')?.split(';')).toContain('content-type');
      }
      await expectCode(b.presignGet(key, 0), 'bad_request');
      await expectCode(b.presignGet(key, 8 * 24 * 3600), 'bad_request');
    });

    it('rejects hostile keys with a clear invalid_key error on every method', async () => {
      for (const [key, why] of HOSTILE_KEYS) {
        const calls: Array<() => Promise<unknown>> = [
          () => b.put(key, Buffer.from('evil')),
          () => b.put(key, Readable.from([Buffer.from('evil')])),
          () => b.get(key),
          () => b.head(key),
          () => b.delete(key),
          () => b.copy('rt/stream.bin', key),
          () => b.copy(key, 'hostile/copy'),
          () => b.presignGet(key, 60),
          () => b.presignPut(key, 60),
        ];
        for (const call of calls) {
          try {
            await call();
            throw new Error(`key ${JSON.stringify(key.slice(0, 40))} was accepted`);
          } catch (err) {
            expect(isStorageError(err, 'invalid_key'), String(err)).toBe(true);
            expect((err as Error).message).toMatch(/^invalid object key /);
            expect((err as Error).message).toContain(why);
          }
        }
      }
      await expectCode(() => b.list('../'), 'invalid_key');
      await expectCode(() => b.listPage('a/../../'), 'invalid_key');
      await expectCode(() => b.list('/etc'), 'invalid_key');
      expect(await b.head('hostile/copy')).toBeNull();
    });
  });
}
