import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalBucket, type Bucket } from '../../packages/kit/src/storage/index.js';
import { openS3Bucket } from '../../packages/kit/src/storage/s3.js';
import { MB, peakRssGrowth, randomStream, S3RVER_CREDENTIALS, sha256Of, startS3rver, tempDir } from './helpers.js';

const SIZE = 200 * MB;
const RSS_LIMIT = 64 * MB;

/**
 * A 200 MB object must go through each driver with flat memory: the body is
 * generated on the fly, hashed on the way in and on the way out, and RSS is
 * sampled every 20 ms during each transfer. s3rver runs in a child process
 * so only the client's memory is measured.
 */
function streamingSuite(name: string, open: () => Promise<{ bucket: Bucket; teardown: () => Promise<void> }>): void {
  describe(`streaming 200 MB: ${name}`, () => {
    let bucket: Bucket;
    let teardown: () => Promise<void>;
    beforeAll(async () => {
      ({ bucket, teardown } = await open());
    });
    afterAll(() => teardown?.());

    it('puts and gets 200 MB with the same SHA-256 and flat RSS', { timeout: 180_000 }, async () => {
      // Warm-up at 1/8 of the size: lets the allocator and the SDK's socket
      // pool reach their steady state first, so what is measured below is
      // growth with object size, which is what flat streaming is about. A
      // driver that buffered the object would still grow by ~175 MB here.
      const warm = randomStream(SIZE / 8, 1);
      await bucket.put('big/warmup.bin', warm.stream);
      await sha256Of((await bucket.get('big/warmup.bin')).body);
      await bucket.delete('big/warmup.bin');

      const src = randomStream(SIZE, 42);
      const put = await peakRssGrowth(() => bucket.put('big/object.bin', src.stream, { contentType: 'application/octet-stream' }));
      const sent = src.hash.digest('hex');
      expect(put.result.contentLength).toBe(SIZE);

      const got = await peakRssGrowth(async () => sha256Of((await bucket.get('big/object.bin')).body));
      expect(got.result.bytes).toBe(SIZE);
      expect(got.result.hex).toBe(sent);

      console.log(`${name}: RSS growth put=${(put.growth / MB).toFixed(1)} MB get=${(got.growth / MB).toFixed(1)} MB`);
      expect(put.growth).toBeLessThan(RSS_LIMIT);
      expect(got.growth).toBeLessThan(RSS_LIMIT);
      await bucket.delete('big/object.bin');
    });
  });
}

streamingSuite('local folder', async () => {
  const tmp = await tempDir();
  const bucket = await openLocalBucket({ dir: join(tmp.dir, 'bucket') });
  return { bucket, teardown: tmp.remove };
});

streamingSuite('s3 (s3rver)', async () => {
  const server = await startS3rver('streaming');
  const bucket = openS3Bucket({ bucket: 'streaming', endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  return {
    bucket,
    teardown: async () => {
      await bucket.close();
      await server.stop();
    },
  };
});
