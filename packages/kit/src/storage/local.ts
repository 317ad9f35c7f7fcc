import { randomUUID } from 'node:crypto';
import { createWriteStream, constants as fsConstants, type Stats } from 'node:fs';
import { access, copyFile, mkdir, open, readdir, readFile, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkContentType, checkExpiry, checkLimit, checkRange, compareKeys, iteratePages } from './common.js';
import { StorageError, notFound } from './errors.js';
import { assertValidKey, assertValidPrefix, RESERVED_SEGMENT } from './keys.js';
import { presignedUrl, type PresignMethod } from './presign.js';
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

/** Larger reads than the 64 KiB default: fewer syscalls and promise turns per object, same flat memory. */
const READ_CHUNK = 256 * 1024;

/**
 * The folder driver, for `npm start` and tests. Layout under `dir`:
 *
 *   <key>                        the object's bytes, under its own name (browsable)
 *   .bigapp/meta/<key>.json      sidecar: { contentType }
 *   .bigapp/tmp/<uuid>           uploads in progress; renamed into place when whole
 *
 * A rename within one file system is atomic, so readers see the old object or
 * the new one, never half of one. Because keys are real paths, a key cannot be
 * both an object and a "folder" of others ("a" and "a/b"): the second put
 * fails with code `conflict`. S3 allows it; keep key schemes that do not.
 */

export interface LocalBucketOptions {
  dir: string;
  /** Origin the web service is reached at; presigned links point there. */
  publicUrl?: string;
  /** HMAC secret for presigned links; without it presign* throw config_invalid. */
  signingSecret?: string;
  /** Clock for presigned expiry (ms), replaceable in tests. */
  now?: () => number;
}

interface Sidecar {
  contentType?: string;
}

/** Temp files older than this are leftovers of a crash, not uploads in progress. */
const STALE_TMP_MS = 24 * 3600 * 1000;

const errno = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | undefined)?.code;

async function ignoreMissing(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (errno(err) !== 'ENOENT') throw err;
  }
}

function etagOf(st: Stats): string {
  // Hashing every byte would halve write throughput; inode + size + mtime
  // changes whenever the object is replaced, which is what an ETag is for.
  return `"${st.ino.toString(16)}-${st.size.toString(16)}-${Math.round(st.mtimeMs * 1000).toString(16)}"`;
}

export class LocalBucket implements Bucket {
  readonly driver = 'local' as const;
  readonly root: string;
  private readonly metaRoot: string;
  private readonly tmpRoot: string;
  private readonly publicUrl: string;
  private readonly signingSecret: string | undefined;
  private readonly now: () => number;

  constructor(opts: LocalBucketOptions) {
    this.root = resolve(opts.dir);
    this.metaRoot = join(this.root, RESERVED_SEGMENT, 'meta');
    this.tmpRoot = join(this.root, RESERVED_SEGMENT, 'tmp');
    this.publicUrl = opts.publicUrl ?? 'http://localhost:8080';
    this.signingSecret = opts.signingSecret;
    this.now = opts.now ?? Date.now;
  }

  /** Creates the folder and clears temp files a crashed process left behind. */
  async init(): Promise<this> {
    await mkdir(this.tmpRoot, { recursive: true });
    await mkdir(this.metaRoot, { recursive: true });
    const cutoff = Date.now() - STALE_TMP_MS;
    for (const name of await readdir(this.tmpRoot)) {
      const p = join(this.tmpRoot, name);
      const st = await stat(p).catch(() => null);
      if (st && st.mtimeMs < cutoff) await ignoreMissing(unlink(p));
    }
    return this;
  }

  // --- paths -------------------------------------------------------------

  /** Key rules are the first guard; this resolve + prefix check is the second. */
  private under(base: string, key: string, suffix = ''): string {
    assertValidKey(key);
    const p = resolve(base, ...key.split('/')) + suffix;
    if (!p.startsWith(base + sep)) {
      throw new StorageError('invalid_key', `key ${JSON.stringify(key)} resolves outside the bucket folder`, { key });
    }
    return p;
  }

  private objectPath(key: string): string {
    return this.under(this.root, key);
  }

  private metaPath(key: string): string {
    return this.under(this.metaRoot, key, '.json');
  }

  private tmpPath(): string {
    return join(this.tmpRoot, randomUUID());
  }

  private async readSidecar(key: string): Promise<Sidecar> {
    try {
      return JSON.parse(await readFile(this.metaPath(key), 'utf8')) as Sidecar;
    } catch {
      return {};
    }
  }

  /** Moves finished temp files into place, data first, then the sidecar. */
  private async commit(key: string, tmpData: string, sidecar: Sidecar): Promise<void> {
    const target = this.objectPath(key);
    const metaTarget = this.metaPath(key);
    const tmpMeta = this.tmpPath();
    try {
      await writeFile(tmpMeta, JSON.stringify(sidecar), { flag: 'wx' });
      await this.moveInto(tmpData, target, key);
      await this.moveInto(tmpMeta, metaTarget, key);
    } catch (err) {
      await ignoreMissing(unlink(tmpData));
      await ignoreMissing(unlink(tmpMeta));
      throw err;
    }
  }

  private async moveInto(from: string, to: string, key: string): Promise<void> {
    // A concurrent delete may prune the parent folder between mkdir and
    // rename; one retry covers it.
    for (let attempt = 0; ; attempt++) {
      try {
        await mkdir(dirname(to), { recursive: true });
        await rename(from, to);
        return;
      } catch (err) {
        const code = errno(err);
        if (code === 'ENOENT' && attempt === 0) continue;
        if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST' || code === 'ENOTEMPTY') {
          throw new StorageError(
            'conflict',
            `key ${JSON.stringify(key)} collides with another object used as a folder (the folder driver cannot hold both "a" and "a/b")`,
            { key, cause: err },
          );
        }
        throw err;
      }
    }
  }

  /** Removes folders a delete left empty, so the tree mirrors the keys. */
  private async prune(base: string, from: string): Promise<void> {
    let dir = dirname(from);
    while (dir.startsWith(base + sep)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty, or already gone: either way stop climbing
      }
      dir = dirname(dir);
    }
  }

  // --- Bucket --------------------------------------------------------------

  async put(key: string, body: Readable | Buffer, opts: PutOptions = {}): Promise<PutResult> {
    this.objectPath(key);
    const contentType = checkContentType(opts.contentType) ?? DEFAULT_CONTENT_TYPE;
    const tmp = this.tmpPath();
    let st: Stats;
    try {
      if (Buffer.isBuffer(body)) await writeFile(tmp, body, { flag: 'wx' });
      else await pipeline(body, createWriteStream(tmp, { flags: 'wx' }));
      st = await stat(tmp);
      if (opts.contentLength !== undefined && st.size !== opts.contentLength) {
        throw new StorageError('bad_request', `body of ${JSON.stringify(key)} is ${st.size} bytes, expected ${opts.contentLength}`, {
          key,
          safeMessage: 'The upload length does not match its declared length.',
        });
      }
    } catch (err) {
      await ignoreMissing(unlink(tmp));
      throw err;
    }
    await this.commit(key, tmp, { contentType });
    return { contentLength: st.size, etag: etagOf(st) };
  }

  async get(key: string, opts: { range?: ByteRange } = {}): Promise<GetResult> {
    const p = this.objectPath(key);
    checkRange(opts.range, key);
    // Reading through one handle pins the inode: a put that renames a new
    // file in while we stream does not mix two versions.
    const fh = await open(p, 'r').catch((err: unknown) => {
      if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') throw notFound(key);
      throw err;
    });
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw notFound(key);
      const meta = await this.readSidecar(key);
      const common = { contentType: meta.contentType ?? DEFAULT_CONTENT_TYPE, etag: etagOf(st), lastModified: st.mtime };
      if (!opts.range) {
        return { body: fh.createReadStream({ highWaterMark: READ_CHUNK }), contentLength: st.size, ...common };
      }
      const { start } = opts.range;
      if (start >= st.size) {
        throw new StorageError('invalid_range', `range start ${start} is past the end of ${JSON.stringify(key)} (${st.size} bytes)`, { key });
      }
      const end = Math.min(opts.range.end ?? st.size - 1, st.size - 1);
      return { body: fh.createReadStream({ start, end, highWaterMark: READ_CHUNK }), contentLength: end - start + 1, ...common };
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  async head(key: string): Promise<HeadResult | null> {
    const p = this.objectPath(key);
    const st = await stat(p).catch((err: unknown) => {
      if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return null;
      throw err;
    });
    if (!st?.isFile()) return null;
    const meta = await this.readSidecar(key);
    return { contentLength: st.size, contentType: meta.contentType ?? DEFAULT_CONTENT_TYPE, etag: etagOf(st), lastModified: st.mtime };
  }

  async delete(key: string): Promise<void> {
    const p = this.objectPath(key);
    const m = this.metaPath(key);
    try {
      await unlink(p);
    } catch (err) {
      // ENOTDIR: a parent is an object, so this key cannot exist. EISDIR
      // (or EPERM on some systems): a folder of other keys, not an object.
      const code = errno(err);
      if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'EISDIR' && code !== 'EPERM') throw err;
      if (code === 'EISDIR' || code === 'EPERM') return;
    }
    await ignoreMissing(unlink(m)).catch(() => undefined);
    await this.prune(this.root, p);
    await this.prune(this.metaRoot, m);
  }

  list(prefix: string, opts: { pageSize?: number } = {}): AsyncIterable<ObjectInfo> {
    assertValidPrefix(prefix);
    const limit = checkLimit(opts.pageSize);
    return iteratePages((cursor) => this.listPage(prefix, cursor === undefined ? { limit } : { limit, cursor }));
  }

  /**
   * Walks only the folders that can hold matching keys, then sorts, because
   * folder order is not key order ("a-b" sorts before "a/b"). Each page walks
   * again: fine for a development bucket, not for millions of objects.
   */
  async listPage(prefix: string, opts: ListPageOptions = {}): Promise<ListPage> {
    assertValidPrefix(prefix);
    const limit = checkLimit(opts.limit);
    const after = opts.cursor;
    const keys: string[] = [];
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
        if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return [];
        throw err;
      });
      for (const e of entries) {
        if (keyPrefix === '' && e.name === RESERVED_SEGMENT) continue;
        const k = keyPrefix + e.name;
        if (e.isDirectory()) {
          const asFolder = `${k}/`;
          if (asFolder.startsWith(prefix) || prefix.startsWith(asFolder)) await walk(join(dir, e.name), asFolder);
        } else if (e.isFile() && k.startsWith(prefix) && (after === undefined || compareKeys(k, after) > 0)) {
          keys.push(k);
        }
      }
    };
    const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    await walk(folder === '' ? this.root : this.objectPath(folder.slice(0, -1)), folder);
    keys.sort(compareKeys);
    const pageKeys = keys.slice(0, limit);
    const objects: ObjectInfo[] = [];
    for (const key of pageKeys) {
      const st = await stat(this.objectPath(key)).catch(() => null);
      if (st?.isFile()) objects.push({ key, size: st.size, etag: etagOf(st), lastModified: st.mtime });
    }
    const last = pageKeys.at(-1);
    return keys.length > limit && last !== undefined ? { objects, nextCursor: last } : { objects };
  }

  async copy(from: string, to: string): Promise<void> {
    const src = this.objectPath(from);
    this.objectPath(to);
    const tmp = this.tmpPath();
    try {
      await copyFile(src, tmp, fsConstants.COPYFILE_EXCL);
    } catch (err) {
      await ignoreMissing(unlink(tmp));
      if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR' || errno(err) === 'EISDIR') throw notFound(from);
      throw err;
    }
    await this.commit(to, tmp, await this.readSidecar(from));
  }

  private presign(method: PresignMethod, key: string, expiresInSec: number, contentType?: string): string {
    checkExpiry(expiresInSec);
    if (!this.signingSecret) {
      throw new StorageError('config_invalid', 'BUCKET_SIGNING_SECRET is not set: the folder driver cannot sign presigned URLs');
    }
    return presignedUrl(this.publicUrl, method, key, expiresInSec, this.signingSecret, this.now(), checkContentType(contentType));
  }

  async presignGet(key: string, expiresInSec: number): Promise<string> {
    return this.presign('GET', key, expiresInSec);
  }

  async presignPut(key: string, expiresInSec: number, contentType?: string): Promise<string> {
    return this.presign('PUT', key, expiresInSec, contentType);
  }

  async ping(): Promise<void> {
    try {
      await mkdir(this.tmpRoot, { recursive: true });
      await access(this.root, fsConstants.R_OK | fsConstants.W_OK);
    } catch (err) {
      throw new StorageError('unavailable', `bucket folder ${this.root} is not writable: ${(err as Error).message}`, { cause: err });
    }
  }

  async close(): Promise<void> {}
}

export function openLocalBucket(opts: LocalBucketOptions): Promise<LocalBucket> {
  return new LocalBucket(opts).init();
}
