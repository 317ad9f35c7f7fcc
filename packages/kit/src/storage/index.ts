import { join } from 'node:path';
import type { StorageConfig } from './config.js';
import { openLocalBucket } from './local.js';
import { openS3Bucket } from './s3.js';
import type { Bucket } from './types.js';

export * from './types.js';
export * from './errors.js';
export * from './keys.js';
export { verifyPresigned, signPresigned, encodeKeyPath, type PresignedParams, type VerifyResult, type PresignMethod } from './presign.js';
export { storageEnvSchema, parseStorageEnv, StorageConfigError, type StorageConfig, type LocalStorageConfig, type S3StorageConfig } from './config.js';
export { LocalBucket, openLocalBucket, type LocalBucketOptions } from './local.js';
export { S3Bucket, openS3Bucket, type S3BucketOptions } from './s3.js';
export { servePresigned, type ServePresignedOptions } from './serve.js';

/**
 * Opens the bucket the configuration names. Nothing is contacted for S3 here:
 * call `ping()` from the readiness probe so a slow store delays traffic, not startup.
 */
export async function openBucket(config: StorageConfig, opts: { dataDir: string }): Promise<Bucket> {
  if (config.driver === 'local') {
    return openLocalBucket({
      dir: config.dir ?? join(opts.dataDir, 'bucket'),
      publicUrl: config.publicUrl,
      ...(config.signingSecret ? { signingSecret: config.signingSecret } : {}),
    });
  }
  return openS3Bucket({
    bucket: config.bucket,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  });
}
