import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { loadConfig, startHost, type Host } from '@bigapp/kit';
import { openLocalBucket, type Bucket } from '@bigapp/kit/storage';
import imageService from '../../services/image/service.js';
import { parseImageConfig } from '../../services/image/src/config.js';
import { makeThumbnails, type ImageDeps } from '../../services/image/src/thumbnail.js';
import { bombPng, craftedIhdrPng, fakeJob, fixtures, getBytes, silent } from './fixtures.js';

/** The image service: thumbnails from every accepted format, and refusals with readable reasons. */
const WS = '11111111-1111-4111-8111-111111111111';
const mediaId = (n: number) => `22222222-2222-4222-8222-${String(n).padStart(12, '0')}`;

describe('image.thumbnail (handler, local bucket)', () => {
  let dir: string;
  let bucket: Bucket;
  let deps: ImageDeps;
  let files: Record<string, Buffer>;
  const timings: number[] = [];

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bigapp-image-test-'));
    bucket = await openLocalBucket({ dir: path.join(dir, 'bucket') });
    deps = { bucket, config: parseImageConfig({ IMAGE_TMP_DIR: path.join(dir, 'tmp') }) };
    await fs.mkdir(path.join(dir, 'tmp'));
    files = await fixtures();
    let n = 0;
    for (const [name, bytes] of Object.entries(files)) await bucket.put(`originals/${WS}/${mediaId(++n)}-${name}`, bytes);
  });
  afterAll(async () => {
    if (timings.length) console.log(`thumbnail time per image (ms): ${timings.map((t) => Math.round(t)).join(', ')}`);
    await bucket?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const keyOf = (name: string) => `originals/${WS}/${mediaId(Object.keys(files).indexOf(name) + 1)}-${name}`;
  const run = async (name: string) => {
    const t = performance.now();
    const r = await makeThumbnails(deps, { workspaceId: WS, mediaId: mediaId(Object.keys(files).indexOf(name) + 1), key: keyOf(name) }, fakeJob());
    timings.push(performance.now() - t);
    return r;
  };

  it('applies EXIF orientation, strips metadata, and writes content-addressed WebP thumbnails', async () => {
    const r = await run('photo.jpg');
    // Stored 1600×800 with orientation 6: displayed (and recorded) as portrait 800×1600.
    expect(r).toMatchObject({ width: 800, height: 1600, format: 'jpeg' });
    expect(r.thumbnails.small).toMatch(new RegExp(`^thumbs/${WS}/${mediaId(1)}-[0-9a-f]{64}-256\\.webp$`));
    expect(r.thumbnails.large).toMatch(/-1024\.webp$/);
    for (const [key, px] of [[r.thumbnails.small, 256], [r.thumbnails.large, 1024]] as const) {
      const bytes = await getBytes(bucket, key);
      const m = await sharp(bytes).metadata();
      expect(m.format).toBe('webp');
      expect(m.height).toBe(px);
      expect(m.width).toBe(px / 2); // portrait: orientation was applied to the pixels
      expect(m.exif).toBeUndefined();
      expect(m.orientation).toBeUndefined();
      expect(m.xmp).toBeUndefined();
      expect(bytes.includes(Buffer.from('Secret GPS Model'))).toBe(false);
      expect((await bucket.head(key))?.contentType).toBe('image/webp');
      // The key names the bytes.
      const { createHash } = await import('node:crypto');
      expect(key).toContain(createHash('sha256').update(bytes).digest('hex'));
    }
    // The source really had the tag we stripped.
    expect((await sharp(files['photo.jpg']!).metadata()).exif).toBeDefined();
  });

  it.each([
    ['plain.jpg', 'jpeg', 640, 480],
    ['image.png', 'png', 300, 200],
    ['image.webp', 'webp', 2000, 1000],
    ['anim.gif', 'gif', 120, 90],
    ['image.avif', 'avif', 200, 300],
    ['image.tiff', 'tiff', 500, 500],
  ])('thumbnails %s (%s), never upscaled', async (name, format, w, h) => {
    const r = await run(name);
    expect(r).toMatchObject({ width: w, height: h, format });
    const small = await sharp(await getBytes(bucket, r.thumbnails.small)).metadata();
    const large = await sharp(await getBytes(bucket, r.thumbnails.large)).metadata();
    expect(Math.max(small.width, small.height)).toBe(Math.min(256, Math.max(w, h)));
    expect(Math.max(large.width, large.height)).toBe(Math.min(1024, Math.max(w, h)));
    expect([small.format, large.format]).toEqual(['webp', 'webp']);
  });

  it.each([
    ['truncated.jpg', 'unreadable_image', /^The file is not a readable image: .*(premature end|truncated|corrupt)/i],
    ['text.jpg', 'unsupported_type', /^The file is not a readable image: its contents are not a recognised image format/],
    ['drawing.jpg', 'unsupported_type', /^The file is not a readable image: it is an SVG drawing/],
  ])('refuses %s for good (%s) with a readable reason', async (name, code, reason) => {
    const err = await run(name).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'JobFailure', code, retryable: false });
    expect((err as Error).message).toMatch(reason);
  });

  it('refuses decompression bombs before decoding: a real one and a crafted header', async () => {
    const real = await bombPng(8000, 8000);
    expect(real.length).toBeLessThan(1_000_000);
    await bucket.put(`originals/${WS}/bomb-real`, real);
    await bucket.put(`originals/${WS}/bomb-ihdr`, await craftedIhdrPng(100_000, 100_000));
    for (const key of [`originals/${WS}/bomb-real`, `originals/${WS}/bomb-ihdr`]) {
      const err = await makeThumbnails(deps, { workspaceId: WS, mediaId: mediaId(90), key }, fakeJob()).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'JobFailure', code: 'image_too_large' });
      expect((err as Error).message).toMatch(/^The image is too large to process: \d+ × \d+ pixels \(\d+ Mpx\) is over the limit of 50 Mpx\.$/);
    }
  });

  it('a missing original fails for good; temp files are always removed', async () => {
    const err = await makeThumbnails(deps, { workspaceId: WS, mediaId: mediaId(91), key: `originals/${WS}/nope` }, fakeJob()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'original_missing' });
    expect(await fs.readdir(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('rejects bad limits at start-up, naming the variable', () => {
    expect(() => parseImageConfig({ IMAGE_MAX_INPUT_PIXELS: 'lots' })).toThrow(/IMAGE_MAX_INPUT_PIXELS: expected an integer/);
    expect(() => parseImageConfig({ IMAGE_THUMB_SMALL_PX: '2000' })).toThrow(/IMAGE_THUMB_SMALL_PX/);
    expect(parseImageConfig({}).maxInputPixels).toBe(50_000_000);
  });
});

describe('image service through the bus (startHost with the real declaration)', () => {
  let dir: string;
  let host: Host;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bigapp-image-host-'));
    host = await startHost({
      services: [imageService],
      config: loadConfig({ BIGAPP_OPS_PORT: '0', BIGAPP_ENV: 'test', BIGAPP_DATA_DIR: dir, BUCKET_DIR: path.join(dir, 'bucket'), IMAGE_MAX_INPUT_PIXELS: '20000000' }),
      version: 'test',
      log: silent,
    });
  });
  afterAll(async () => {
    await host?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('a corrupt upload and a bomb end failed with their reasons; the worker goes on to the next job', async () => {
    const files = await fixtures();
    const bucket = host.bucket!;
    await bucket.put(`originals/${WS}/a`, files['truncated.jpg']!);
    await bucket.put(`originals/${WS}/b`, await bombPng(5000, 5000));
    await bucket.put(`originals/${WS}/c`, files['photo.jpg']!);
    const send = (key: string, n: number) => host.bus.request('image', 'thumbnail', { workspaceId: WS, mediaId: mediaId(n), key }, { waitMs: 30_000 });
    const [bad, bomb, good] = await Promise.all([send(`originals/${WS}/a`, 1), send(`originals/${WS}/b`, 2), send(`originals/${WS}/c`, 3)]);
    expect(bad).toMatchObject({ status: 'failed', attempt: 1, error: { code: 'unreadable_image' } });
    expect(bad.error?.message).toMatch(/^The file is not a readable image: /);
    expect(bomb).toMatchObject({ status: 'failed', error: { code: 'image_too_large' } });
    expect(bomb.error?.message).toContain('25 Mpx) is over the limit of 20 Mpx');
    expect(good).toMatchObject({ status: 'succeeded', result: { width: 800, height: 1600, format: 'jpeg' } });
    // Still alive afterwards.
    const again = await send(`originals/${WS}/c`, 4);
    expect(again.status).toBe('succeeded');
    expect((await fetch(`http://127.0.0.1:${host.opsPort}/readyz`)).status).toBe(200);
  });
});
