import type { Readable } from 'node:stream';

export interface PutOptions {
  /** Stored and returned by get/head; defaults to application/octet-stream. */
  contentType?: string;
  /** When given, a body of another length is refused (bad_request) and nothing is stored. */
  contentLength?: number;
}

export interface PutResult {
  contentLength: number;
  etag?: string;
}

/** Inclusive byte offsets, as in an HTTP Range header; `end` past the object is clamped. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface ObjectInfo {
  key: string;
  /** Size of the whole object in bytes. */
  size: number;
  etag?: string;
  lastModified?: Date;
}

export interface HeadResult {
  contentLength: number;
  contentType?: string;
  etag?: string;
  lastModified?: Date;
}

export interface GetResult {
  /** Must be consumed or destroyed: it holds a file handle or a socket. */
  body: Readable;
  /** Bytes in `body` (the range's length for a range read). */
  contentLength: number;
  contentType?: string;
  etag?: string;
  lastModified?: Date;
}

export interface ListPageOptions {
  /** Largest page to return (1..1000, default 1000). */
  limit?: number;
  /** Opaque `nextCursor` of the previous page; only valid for the same driver and prefix. */
  cursor?: string;
}

export interface ListPage {
  objects: ObjectInfo[];
  nextCursor?: string;
}

/**
 * One bucket, whatever stores it. Keys are checked by `assertValidKey`; a
 * missing object is a StorageError with `code: 'not_found'`.
 */
export interface Bucket {
  readonly driver: 'local' | 's3';
  /** Streams `body` in; readers see the old object or the new one, never a part. */
  put(key: string, body: Readable | Buffer, opts?: PutOptions): Promise<PutResult>;
  get(key: string, opts?: { range?: ByteRange }): Promise<GetResult>;
  /** Metadata only; null when the object does not exist. */
  head(key: string): Promise<HeadResult | null>;
  /** Succeeds when the object is already gone. */
  delete(key: string): Promise<void>;
  /** Every object whose key starts with `prefix`, in key order (UTF-8 bytes), fetched page by page. */
  list(prefix: string, opts?: { pageSize?: number }): AsyncIterable<ObjectInfo>;
  listPage(prefix: string, opts?: ListPageOptions): Promise<ListPage>;
  /** Copies bytes and content type; overwrites `to`. */
  copy(from: string, to: string): Promise<void>;
  /** A URL anyone can GET for `expiresInSec` seconds (1..604800). */
  presignGet(key: string, expiresInSec: number): Promise<string>;
  /** A URL anyone can PUT to; when `contentType` is given the upload must send that Content-Type. */
  presignPut(key: string, expiresInSec: number, contentType?: string): Promise<string>;
  /** Resolves when the bucket can be used (readiness probe); throws StorageError('unavailable'). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
/** S3's own limit for SigV4 presigned URLs, kept for both drivers. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
