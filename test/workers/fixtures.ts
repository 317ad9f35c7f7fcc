import { randomUUID } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import yazl from 'yazl';
import yauzl from 'yauzl';
import { createLogger, type JobContext } from '@bigapp/kit';
import type { Bucket } from '@bigapp/kit/storage';

export const silent = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', pretty: false });

/** A JobContext for calling handlers directly; records what they publish. */
export function fakeJob(jobId: string = randomUUID()): JobContext & { published: { event: string; payload: unknown }[] } {
  const published: { event: string; payload: unknown }[] = [];
  return {
    jobId,
    service: 'test',
    type: 'test',
    attempt: 1,
    maxAttempts: 3,
    traceparent: '',
    signal: new AbortController().signal,
    log: silent,
    published,
    async publish(event, payload) {
      published.push({ event, payload });
    },
  };
}

/** Noise, so encoders cannot shrink the fixture to nothing and truncation hurts. */
function noise(width: number, height: number, seed = 1): Buffer {
  const buf = Buffer.alloc(width * height * 3);
  let x = seed;
  for (let i = 0; i < buf.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    buf[i] = (x >> 16) & 0xff;
  }
  return buf;
}

const raw = (w: number, h: number, seed?: number) => sharp(noise(w, h, seed), { raw: { width: w, height: h, channels: 3 } });

/** A landscape 1600×800 JPEG whose EXIF says "rotate 90° clockwise to display" (orientation 6), plus a camera tag. */
export async function jpegOrientation6(): Promise<Buffer> {
  return raw(1600, 800).jpeg({ quality: 80 }).withMetadata({ orientation: 6 }).withExif({ IFD0: { Make: 'TestCam', Model: 'Secret GPS Model' } }).toBuffer();
}

export async function fixtures(): Promise<Record<string, Buffer>> {
  const jpeg = await raw(640, 480, 2).jpeg().toBuffer();
  return {
    'photo.jpg': await jpegOrientation6(),
    'plain.jpg': jpeg,
    'image.png': await raw(300, 200, 3).png().toBuffer(),
    'image.webp': await raw(2000, 1000, 4).webp().toBuffer(),
    'anim.gif': await raw(120, 90, 5).gif().toBuffer(),
    'image.avif': await raw(200, 300, 6).avif({ effort: 0 }).toBuffer(),
    'image.tiff': await raw(500, 500, 7).tiff().toBuffer(),
    'truncated.jpg': jpeg.subarray(0, Math.floor(jpeg.length * 0.6)),
    'text.jpg': Buffer.from('This is not a picture, just some text pretending to be one.\n'.repeat(20)),
    'drawing.jpg': Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'),
  };
}

/** A real decompression bomb: a single-colour PNG, a few KB, of width × height pixels. */
export async function bombPng(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' }, limitInputPixels: false }).png({ compressionLevel: 9 }).toBuffer();
}

/** A 1×1 PNG whose IHDR claims width × height (CRC fixed): the header alone is a bomb. */
export async function craftedIhdrPng(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).png().toBuffer());
  // Signature (8) + length (4) + "IHDR" (4) + data (13) + CRC (4).
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)) >>> 0, 29);
  return png;
}

export interface ZipItem {
  name: string;
  data: Buffer;
  compress?: boolean;
  mode?: number;
}

/** A ZIP in memory (tests only). yazl refuses hostile names, so those are written under a stand-in and patched after. */
export async function makeZip(items: ZipItem[], patches: [string, string][] = []): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const it of items) {
    if (it.name.endsWith('/')) zip.addEmptyDirectory(it.name);
    else zip.addBuffer(it.data, it.name, { compress: it.compress ?? true, ...(it.mode ? { mode: it.mode } : {}) });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream as unknown as AsyncIterable<Buffer>) chunks.push(c);
  let out = Buffer.concat(chunks);
  for (const [from, to] of patches) {
    if (Buffer.byteLength(from) !== Buffer.byteLength(to)) throw new Error('a patch must keep the length');
    const f = Buffer.from(from);
    let i = out.indexOf(f);
    if (i < 0) throw new Error(`patch target ${from} not found`);
    while (i >= 0) {
      Buffer.from(to).copy(out, i);
      i = out.indexOf(f, i + 1);
    }
  }
  return out;
}

/** Every entry of a ZIP (from a buffer), name → bytes. */
export async function readZip(buf: Buffer): Promise<Map<string, Buffer>> {
  const zip = await yauzl.fromBufferPromise(buf, { lazyEntries: true });
  const out = new Map<string, Buffer>();
  for await (const entry of zip.eachEntry()) {
    const s = await zip.openReadStreamPromise(entry);
    const chunks: Buffer[] = [];
    for await (const c of s as AsyncIterable<Buffer>) chunks.push(c);
    out.set(entry.fileName, Buffer.concat(chunks));
  }
  return out;
}

export async function getBytes(bucket: Bucket, key: string): Promise<Buffer> {
  const got = await bucket.get(key);
  const chunks: Buffer[] = [];
  for await (const c of got.body as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

export const asStream = (b: Buffer) => Readable.from([b]);
