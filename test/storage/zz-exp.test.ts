import { it } from 'vitest';
import { openS3Bucket, openLocalBucket } from '../../packages/kit/src/storage/index.js';
import { MB, randomStream, S3RVER_CREDENTIALS, startS3rver, tempDir } from './helpers.js';
it('exp', { timeout: 300000 }, async () => {
  const server = await startS3rver('exp');
  for (const q of [1, 2, 4]) {
    const bucket = openS3Bucket({ bucket: 'exp', endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS, queueSize: q });
    const base = process.memoryUsage();
    let peak = { rss: 0, ab: 0, heap: 0 };
    const t = setInterval(() => { const m = process.memoryUsage(); peak = { rss: Math.max(peak.rss, m.rss - base.rss), ab: Math.max(peak.ab, m.arrayBuffers - base.arrayBuffers), heap: Math.max(peak.heap, m.heapUsed - base.heapUsed) }; }, 10);
    const t0 = Date.now();
    await bucket.put('x', randomStream(200 * MB).stream);
    clearInterval(t);
    console.log(`q=${q} ms=${Date.now() - t0} rss=${(peak.rss / MB).toFixed(1)} ab=${(peak.ab / MB).toFixed(1)} heap=${(peak.heap / MB).toFixed(1)}`);
    await bucket.close();
  }
  await server.stop();
});
