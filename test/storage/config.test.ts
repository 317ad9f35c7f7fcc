import { describe, expect, it } from 'vitest';
import { openBucket, parseStorageEnv, StorageConfigError } from '../../packages/kit/src/storage/index.js';
import { tempDir } from './helpers.js';

describe('parseStorageEnv', () => {
  it('defaults to the local folder driver with nothing set', () => {
    expect(parseStorageEnv({})).toEqual({ driver: 'local', publicUrl: 'http://localhost:8080' });
  });

  it('reads a full S3 configuration', () => {
    expect(
      parseStorageEnv({
        BUCKET_DRIVER: 's3',
        S3_BUCKET: 'media-prod',
        S3_ENDPOINT: 'https://storage.googleapis.com',
        S3_REGION: 'auto',
        S3_ACCESS_KEY_ID: 'GOOG1E',
        S3_SECRET_ACCESS_KEY: 'secret',
        S3_FORCE_PATH_STYLE: 'true',
        BUCKET_PUBLIC_URL: 'https://app.example.com/',
      }),
    ).toEqual({
      driver: 's3',
      bucket: 'media-prod',
      endpoint: 'https://storage.googleapis.com',
      region: 'auto',
      credentials: { accessKeyId: 'GOOG1E', secretAccessKey: 'secret' },
      forcePathStyle: true,
      publicUrl: 'https://app.example.com',
    });
  });

  it('leaves credentials to the SDK chain when none are given', () => {
    const c = parseStorageEnv({ BUCKET_DRIVER: 's3', S3_BUCKET: 'media', S3_FORCE_PATH_STYLE: '' });
    expect(c).toMatchObject({ driver: 's3', region: 'us-east-1', forcePathStyle: false });
    expect('credentials' in c).toBe(false);
  });

  it.each([
    [{ BUCKET_DRIVER: 'gcs' }, 'BUCKET_DRIVER', /BUCKET_DRIVER must be "local" or "s3" \(got "gcs"\)/],
    [{ BUCKET_DRIVER: 's3' }, 'S3_BUCKET', /S3_BUCKET must be set when BUCKET_DRIVER=s3/],
    [{ BUCKET_DRIVER: 's3', S3_BUCKET: 'Bad_Name!' }, 'S3_BUCKET', /S3_BUCKET must be a bucket name/],
    [{ S3_ENDPOINT: 'minio:9000' }, 'S3_ENDPOINT', /S3_ENDPOINT must be an http\(s\) URL/],
    [{ S3_FORCE_PATH_STYLE: 'maybe' }, 'S3_FORCE_PATH_STYLE', /S3_FORCE_PATH_STYLE must be true or false/],
    [{ S3_ACCESS_KEY_ID: 'AKIA' }, 'S3_SECRET_ACCESS_KEY', /must be set together/],
    [{ BUCKET_SIGNING_SECRET: 'short' }, 'BUCKET_SIGNING_SECRET', /at least 32 characters/],
    [{ BUCKET_PUBLIC_URL: 'ftp://x' }, 'BUCKET_PUBLIC_URL', /BUCKET_PUBLIC_URL must be an http\(s\) URL/],
  ])('refuses %j naming the variable', (env, variable, message) => {
    let caught: unknown;
    try {
      parseStorageEnv(env);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StorageConfigError);
    expect((caught as StorageConfigError).code).toBe('config_invalid');
    expect((caught as StorageConfigError).variables).toContain(variable);
    expect((caught as Error).message).toMatch(message);
  });

  it('never echoes a secret', () => {
    expect(() => parseStorageEnv({ BUCKET_SIGNING_SECRET: 'hunter2' })).toThrow(/^(?!.*hunter2).*$/s);
  });

  it('opens the configured bucket under <dataDir>/bucket by default', async () => {
    const tmp = await tempDir();
    const b = await openBucket(parseStorageEnv({}), { dataDir: tmp.dir });
    expect(b.driver).toBe('local');
    await b.put('x', Buffer.from('y'));
    expect((await b.head('x'))?.contentLength).toBe(1);
    await b.close();
    await tmp.remove();
  });
});
