import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StorageConfig } from './config.js';
import { openLocalBucket } from './local.js';
import type { Bucket } from './types.js';

export * from './types.js';
export * from './errors.js';
export * from './keys.js';
export { verifyPresigned, signPresigned, encodeKeyPath, type PresignedParams, type VerifyResult, type PresignMethod } from './presign.js';
export { storageEnvSchema, parseStorageEnv, StorageConfigError, type StorageConfig, type LocalStorageConfig, type S3StorageConfig } from './config.js';
export { LocalBucket, openLocalBucket, type LocalBucketOptions } from './local.js';
// The S3 driver (and the AWS SDK, tens of MB) loads only when BUCKET_DRIVER=s3.
export type { S3Bucket, S3BucketOptions } from './s3.js';
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
      signingSecret: config.signingSecret ?? (await localSigningSecret(opts.dataDir)),
    });
  }
  const { openS3Bucket } = await import('./s3.js');
  return openS3Bucket({
    bucket: config.bucket,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  });
}

/**
 * Without BUCKET_SIGNING_SECRET the folder driver signs with a random secret
 * kept beside the data (`<dataDir>/bucket-signing.secret`), so `npm start`
 * needs no setting and links survive a restart. Several replicas sharing a
 * folder need the variable set to the same value.
 */
async function localSigningSecret(dataDir: string): Promise<string> {
  const file = join(dataDir, 'bucket-signing.secret');
  const existing = await readFile(file, 'utf8').catch(() => '');
  if (existing.trim().length >= 32) return existing.trim();
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}
