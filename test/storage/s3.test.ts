import { describe, expect, it } from 'vitest';
import { openS3Bucket } from '../../packages/kit/src/storage/s3.js';
import { bucketConformance } from './conformance.js';
import { S3RVER_CREDENTIALS, startS3rver } from './helpers.js';

bucketConformance('s3 (s3rver)', async () => {
  const server = await startS3rver('conformance');
  const bucket = openS3Bucket({ bucket: 'conformance', endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  return {
    bucket,
    teardown: async () => {
      await bucket.close();
      await server.stop();
    },
  };
}, { serverVerifiesSignatures: false });

describe('s3 driver specifics', () => {
  it('fails ping with unavailable when the bucket does not exist or the server is down', async () => {
    const server = await startS3rver('exists');
    const missing = openS3Bucket({ bucket: 'does-not-exist', endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
    await expect(missing.ping()).rejects.toMatchObject({ code: 'unavailable' });
    await missing.close();
    await server.stop();
    const down = openS3Bucket({ bucket: 'exists', endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
    await expect(down.ping()).rejects.toMatchObject({ code: 'unavailable' });
    await expect(down.get('a')).rejects.toMatchObject({ code: 'unavailable' });
    await down.close();
  });
});
