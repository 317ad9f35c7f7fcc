import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { checkContentType, checkExpiry, checkLimit, checkRange, iteratePages } from './common.js';
import { StorageError, notFound } from './errors.js';
import { assertValidKey, assertValidPrefix } from './keys.js';
import { encodeKeyPath } from './presign.js';
import {
  DEFAULT_CONTENT_TYPE,
  type Bucket,
  type ByteRange,
  type GetResult,
  type HeadResult,
  type ListPage,
  type ListPageOptions,
  type ObjectInfo,
  type PutOptions,
  type PutResult,
} from './types.js';

/**
 * The S3 API driver: AWS S3, GCS (interoperability / HMAC keys), MinIO, R2,
 * and local S3 servers in tests. Uploads go through lib-storage's Upload, so
 * a stream of any length is sent in parts and memory is bounded by part
 * size and queue size, not by object size.
 */

export interface S3BucketOptions {
  bucket: string;
  /** e.g. https://storage.googleapis.com, http://minio:9000; unset for AWS. */
  endpoint?: string;
  region: string;
  /** Unset: the SDK's default chain (env, profile, IRSA / workload identity, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Path-style URLs (endpoint/bucket/key): needed by MinIO and most local servers. */
  forcePathStyle?: boolean;
  /** Multipart part size in bytes (S3 minimum 5 MiB; default 5 MiB, the SDK's own). */
  partSize?: number;
  /**
   * Parts uploaded at once (default 2). The SDK's default of 4 was measured
   * to hold ~60 MB of buffers per upload in this process; 2 holds ~10-45 MB.
   * Raise it for throughput to a distant region when memory allows.
   */
  queueSize?: number;
}

const MIN_PART = 5 * 1024 * 1024;

/** Counts bytes on their way to Upload and refuses a body that is not the declared length. */
class Counter extends Transform {
  bytes = 0;
  constructor(private readonly expected: number | undefined, private readonly key: string) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.expected !== undefined && this.bytes > this.expected) cb(this.mismatch());
    else cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    if (this.expected !== undefined && this.bytes !== this.expected) cb(this.mismatch());
    else cb();
  }
  private mismatch(): StorageError {
    return new StorageError('bad_request', `body of ${JSON.stringify(this.key)} is not ${this.expected} bytes as declared`, {
      key: this.key,
      safeMessage: 'The upload length does not match its declared length.',
    });
  }
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** Turns SDK and network failures into StorageErrors; the S3 code stays in the log message. */
function mapError(err: unknown, op: string, key?: string): StorageError {
  if (err instanceof StorageError) return err;
  const name = (err as Error | undefined)?.name ?? 'Error';
  const msg = `s3 ${op}${key === undefined ? '' : ` ${JSON.stringify(key)}`} failed: ${name}: ${(err as Error | undefined)?.message ?? String(err)}`;
  const opts = key === undefined ? { cause: err } : { key, cause: err };
  const status = statusOf(err);
  if (name === 'NoSuchKey' || (status === 404 && name !== 'NoSuchBucket')) return new StorageError('not_found', msg, opts);
  if (name === 'InvalidRange' || status === 416) return new StorageError('invalid_range', msg, opts);
  if (err instanceof S3ServiceException && status !== undefined && status < 500 && name !== 'NoSuchBucket' && status !== 403) {
    return new StorageError('bad_request', msg, opts);
  }
  // Missing bucket, refused credentials, 5xx, DNS or connection errors: the store is not usable.
  return new StorageError('unavailable', msg, opts);
}

export class S3Bucket implements Bucket {
  readonly driver = 's3' as const;
  readonly client: S3Client;
  readonly bucket: string;
  private readonly partSize: number;
  private readonly queueSize: number;

  constructor(opts: S3BucketOptions) {
    this.bucket = opts.bucket;
    this.partSize = Math.max(opts.partSize ?? MIN_PART, MIN_PART);
    this.queueSize = Math.max(1, opts.queueSize ?? 2);
    this.client = new S3Client({
      region: opts.region,
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
      forcePathStyle: opts.forcePathStyle ?? false,
      // Default CRC checksums on every request are refused by GCS interop,
      // older MinIO and local servers; S3 itself still verifies Content-MD5 where required.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(key: string, body: Readable | Buffer, opts: PutOptions = {}): Promise<PutResult> {
    assertValidKey(key);
    const contentType = checkContentType(opts.contentType) ?? DEFAULT_CONTENT_TYPE;
    let counter: Counter | undefined;
    let payload: Readable | Buffer;
    if (Buffer.isBuffer(body)) {
      if (opts.contentLength !== undefined && body.length !== opts.contentLength) {
        throw new StorageError('bad_request', `body of ${JSON.stringify(key)} is ${body.length} bytes, expected ${opts.contentLength}`, {
          key,
          safeMessage: 'The upload length does not match its declared length.',
        });
      }
      payload = body;
    } else {
      counter = new Counter(opts.contentLength, key);
      // A source error must reach Upload through the counter, or Upload would wait forever.
      body.once('error', (err) => counter?.destroy(err));
      payload = body.pipe(counter);
    }
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: payload, ContentType: contentType },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    try {
      const out = await upload.done();
      const etag = (out as { ETag?: string }).ETag;
      const contentLength = counter ? counter.bytes : (body as Buffer).length;
      return etag === undefined ? { contentLength } : { contentLength, etag };
    } catch (err) {
      if (counter && !counter.destroyed) counter.destroy();
      throw mapError(err, 'put', key);
    }
  }

  async get(key: string, opts: { range?: ByteRange } = {}): Promise<GetResult> {
    assertValidKey(key);
    checkRange(opts.range, key);
    const range = opts.range ? `bytes=${opts.range.start}-${opts.range.end ?? ''}` : undefined;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(range ? { Range: range } : {}) }));
      if (!(out.Body instanceof Readable)) throw new StorageError('internal', 's3 get returned a body that is not a Node stream', { key });
      return {
        body: out.Body,
        contentLength: out.ContentLength ?? 0,
        ...(out.ContentType ? { contentType: out.ContentType } : {}),
        ...(out.ETag ? { etag: out.ETag } : {}),
        ...(out.LastModified ? { lastModified: out.LastModified } : {}),
      };
    } catch (err) {
      throw mapError(err, 'get', key);
    }
  }

  async head(key: string): Promise<HeadResult | null> {
    assertValidKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        contentLength: out.ContentLength ?? 0,
        ...(out.ContentType ? { contentType: out.ContentType } : {}),
        ...(out.ETag ? { etag: out.ETag } : {}),
        ...(out.LastModified ? { lastModified: out.LastModified } : {}),
      };
    } catch (err) {
      const mapped = mapError(err, 'head', key);
      if (mapped.code === 'not_found') return null;
      throw mapped;
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      const mapped = mapError(err, 'delete', key);
      if (mapped.code !== 'not_found') throw mapped;
    }
  }

  list(prefix: string, opts: { pageSize?: number } = {}): AsyncIterable<ObjectInfo> {
    assertValidPrefix(prefix);
    const limit = checkLimit(opts.pageSize);
    return iteratePages((cursor) => this.listPage(prefix, cursor === undefined ? { limit } : { limit, cursor }));
  }

  async listPage(prefix: string, opts: ListPageOptions = {}): Promise<ListPage> {
    assertValidPrefix(prefix);
    const limit = checkLimit(opts.limit);
    try {
      const out = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          MaxKeys: limit,
          ...(prefix ? { Prefix: prefix } : {}),
          ...(opts.cursor ? { ContinuationToken: opts.cursor } : {}),
        }),
      );
      const objects: ObjectInfo[] = (out.Contents ?? []).flatMap((o) =>
        o.Key === undefined
          ? []
          : [{ key: o.Key, size: o.Size ?? 0, ...(o.ETag ? { etag: o.ETag } : {}), ...(o.LastModified ? { lastModified: o.LastModified } : {}) }],
      );
      return out.IsTruncated && out.NextContinuationToken ? { objects, nextCursor: out.NextContinuationToken } : { objects };
    } catch (err) {
      throw mapError(err, 'list', prefix);
    }
  }

  /** Server-side copy: no bytes pass through this process (S3 limit: 5 GB per object). */
  async copy(from: string, to: string): Promise<void> {
    assertValidKey(from);
    assertValidKey(to);
    try {
      await this.client.send(
        new CopyObjectCommand({ Bucket: this.bucket, Key: to, CopySource: `${this.bucket}/${encodeKeyPath(from)}`, MetadataDirective: 'COPY' }),
      );
    } catch (err) {
      const mapped = mapError(err, 'copy', from);
      throw mapped.code === 'not_found' ? notFound(from) : mapped;
    }
  }

  async presignGet(key: string, expiresInSec: number): Promise<string> {
    assertValidKey(key);
    checkExpiry(expiresInSec);
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: expiresInSec });
  }

  async presignPut(key: string, expiresInSec: number, contentType?: string): Promise<string> {
    assertValidKey(key);
    checkExpiry(expiresInSec);
    const ct = checkContentType(contentType);
    return getSignedUrl(this.client, new PutObjectCommand({ Bucket: this.bucket, Key: key, ...(ct ? { ContentType: ct } : {}) }), {
      expiresIn: expiresInSec,
      // Signing the header makes the store refuse an upload with another type.
      ...(ct ? { signableHeaders: new Set(['content-type']) } : {}),
    });
  }

  async ping(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      const mapped = mapError(err, 'ping');
      throw new StorageError('unavailable', `bucket ${JSON.stringify(this.bucket)} is not reachable: ${mapped.message}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

export function openS3Bucket(opts: S3BucketOptions): S3Bucket {
  return new S3Bucket(opts);
}
