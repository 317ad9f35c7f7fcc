import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { fileTypeFromFile } from 'file-type';
import { JobFailure, type JobContext, type ServiceContext } from '@bigapp/kit';
import type { Bucket } from '@bigapp/kit/storage';
import { parseImageConfig, type ImageConfig } from './config.js';
import {
  ACCEPTED_MIME,
  pixelLimitReason,
  readableDecodeError,
  recordedFormat,
  sniffTextKind,
  thumbnailKey,
  unsupportedTypeReason,
} from './rules.js';
import { TooLargeError, streamToFile, tempDir } from './staging.js';

export interface ThumbnailData {
  workspaceId: string;
  mediaId: string;
  key: string;
}

export interface ThumbnailResult {
  width: number;
  height: number;
  format: string;
  thumbnails: { small: string; large: string };
}

export interface ImageDeps {
  bucket: Bucket;
  config: ImageConfig;
}

let deps: ImageDeps | undefined;

/** The image service's start hook: keeps the bucket and the parsed limits for the handler. */
export async function startImage(ctx: ServiceContext): Promise<() => Promise<void>> {
  if (!ctx.bucket) throw new Error('the image service needs a bucket');
  const config = parseImageConfig(ctx.config.raw);
  // Every input is a fresh temp file: libvips' operation cache would only hold memory.
  sharp.cache(false);
  deps = { bucket: ctx.bucket, config };
  ctx.log.info({ maxInputPixels: config.maxInputPixels, sizes: [config.smallPx, config.largePx] }, 'image service ready');
  return async () => {
    deps = undefined;
  };
}

/** `image.thumbnail`: the handler the bus calls. */
export async function thumbnail(data: ThumbnailData, ctx: JobContext): Promise<ThumbnailResult> {
  if (!deps) throw new Error('the image service is not started');
  return makeThumbnails(deps, data, ctx);
}

const isNotFound = (err: unknown) => (err as { code?: unknown } | null)?.code === 'not_found';

async function readHead(file: string, n: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Reads the original from the bucket into a temp file (libvips then reads the
 * file, so the original is never held in memory whole), checks its type and
 * pixel count before decoding, decodes once at the large size with EXIF
 * orientation applied, and encodes both WebP thumbnails from that. Output
 * carries no metadata (sharp writes none unless asked to).
 */
export async function makeThumbnails(d: ImageDeps, data: ThumbnailData, ctx: Pick<JobContext, 'signal' | 'log'>): Promise<ThumbnailResult> {
  const { bucket, config } = d;
  const tmp = await tempDir(config.tmpDir, 'bigapp-image-');
  try {
    const file = path.join(tmp.dir, 'original');
    let got;
    try {
      got = await bucket.get(data.key);
    } catch (err) {
      if (isNotFound(err)) throw new JobFailure('original_missing', 'The uploaded file is no longer in storage (was the item deleted?).');
      throw err;
    }
    if (got.contentLength > config.maxInputBytes) {
      got.body.destroy();
      throw new JobFailure('image_too_large', `The file is too large to process: ${got.contentLength} bytes is over the limit of ${config.maxInputBytes}.`);
    }
    try {
      await streamToFile(got.body, file, config.maxInputBytes, ctx.signal);
    } catch (err) {
      if (err instanceof TooLargeError) throw new JobFailure('image_too_large', `The file is too large to process: it is over the limit of ${config.maxInputBytes} bytes.`);
      throw err;
    }

    // 1. The bytes decide the type, not the name or the stored content type.
    const sniffed = await fileTypeFromFile(file);
    if (!sniffed || !ACCEPTED_MIME.has(sniffed.mime)) {
      const textKind = !sniffed || sniffed.mime === 'application/xml' || sniffed.mime.startsWith('text/') ? sniffTextKind(await readHead(file, 1024)) : undefined;
      throw new JobFailure('unsupported_type', unsupportedTypeReason(sniffed?.mime, textKind));
    }

    // 2. The header alone: format and pixel count, refused before any pixel is decoded.
    let meta: Metadata;
    try {
      meta = await sharp(file, { limitInputPixels: false }).metadata();
    } catch (err) {
      throw new JobFailure('unreadable_image', readableDecodeError(err));
    }
    const format = recordedFormat(meta.format, meta.compression);
    if (!format) throw new JobFailure('unsupported_type', unsupportedTypeReason(sniffed.mime));
    if (!meta.width || !meta.height) throw new JobFailure('unreadable_image', 'The file is not a readable image: it has no dimensions.');
    const tooBig = pixelLimitReason(meta.width, meta.height, 1, config.maxInputPixels);
    if (tooBig) throw new JobFailure('image_too_large', tooBig);
    // Recorded as displayed, i.e. after EXIF orientation (a portrait photo stored sideways is portrait).
    const width = meta.autoOrient?.width ?? meta.width;
    const height = meta.autoOrient?.height ?? meta.height;

    // 3. One decode (JPEG/WebP shrink-on-load helps), orientation applied, to sRGB 8-bit pixels at the large size.
    let decoded: { data: Buffer; info: OutputInfo };
    try {
      decoded = await sharp(file, { limitInputPixels: config.maxInputPixels, failOn: config.failOn })
        .rotate()
        .resize(config.largePx, config.largePx, { fit: 'inside', withoutEnlargement: true })
        .toColourspace('srgb')
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
    } catch (err) {
      throw new JobFailure('unreadable_image', readableDecodeError(err));
    }
    const raw = { raw: { width: decoded.info.width, height: decoded.info.height, channels: decoded.info.channels as 1 | 2 | 3 | 4 } };
    const webp = { quality: config.webpQuality, effort: 4 };
    const [large, small] = await Promise.all([
      sharp(decoded.data, raw).webp(webp).toBuffer(),
      sharp(decoded.data, raw).resize(config.smallPx, config.smallPx, { fit: 'inside', withoutEnlargement: true }).webp(webp).toBuffer(),
    ]);
    ctx.signal.throwIfAborted();

    // 4. Content-addressed keys: the same bytes always land under the same name, so they can be cached forever.
    const put = async (buf: Buffer, px: number) => {
      const key = thumbnailKey(data.workspaceId, data.mediaId, createHash('sha256').update(buf).digest('hex'), px);
      await bucket.put(key, buf, { contentType: 'image/webp', contentLength: buf.length });
      return key;
    };
    const [smallKey, largeKey] = await Promise.all([put(small, config.smallPx), put(large, config.largePx)]);
    return { width, height, format, thumbnails: { small: smallKey, large: largeKey } };
  } finally {
    await tmp.remove();
  }
}
