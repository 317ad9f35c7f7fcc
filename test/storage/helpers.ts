import { spawn } from 'node:child_process';
import { createCipheriv, createHash, type Hash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { servePresigned, type Bucket } from '../../packages/kit/src/storage/index.js';

export const MB = 1024 * 1024;

export async function tempDir(prefix = 'bigapp-storage-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * `size` deterministic pseudo-random bytes (AES-CTR keystream), produced on
 * demand so a 200 MB body never exists in memory. `hash` digests what was
 * emitted, for comparing with what comes back.
 */
export function randomStream(size: number, seed = 1): { stream: Readable; hash: Hash } {
  const key = createHash('sha256').update(`seed:${seed}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(64 * 1024);
  const hash = createHash('sha256');
  let left = size;
  const stream = new Readable({
    highWaterMark: 64 * 1024,
    read() {
      if (left <= 0) {
        this.push(null);
        return;
      }
      const n = Math.min(left, zeros.length);
      left -= n;
      const chunk = cipher.update(zeros.subarray(0, n));
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, hash };
}

export function randomBytes(size: number, seed = 1): Buffer {
  const key = createHash('sha256').update(`seed:${seed}`).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

export async function sha256Of(body: Readable): Promise<{ hex: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  await pipeline(
    body,
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        hash.update(chunk);
        cb();
      },
    }),
  );
  return { hex: hash.digest('hex'), bytes };
}

export async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * V8 collects dead Buffers only once ~64 MB of external memory has piled up
 * since the last GC, so raw RSS at full streaming speed shows up to that much
 * garbage whatever the driver holds. To measure what is really retained, the
 * sampler samples RSS every 20 ms and then forces a GC (via --expose-gc set
 * at runtime): a cheap minor one each time, a full one every 100 ms; the peak is still the true peak RSS,
 * just with garbage not allowed to accumulate for long.
 */
v8.setFlagsFromString('--expose-gc');
const forceGc = runInNewContext('gc') as (opts?: { type: 'major' | 'minor' }) => void;

/** Returns the peak RSS growth over the RSS measured just before `fn` started. */
export async function peakRssGrowth<T>(fn: () => Promise<T>): Promise<{ result: T; growth: number }> {
  forceGc();
  const base = process.memoryUsage.rss();
  let peak = base;
  let ticks = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
    forceGc({ type: ++ticks % 5 === 0 ? 'major' : 'minor' });
  }, 20);
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, growth: peak - base };
  } finally {
    clearInterval(timer);
  }
}

export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

const CHILD = fileURLToPath(new URL('./s3rver-child.mjs', import.meta.url));

/**
 * s3rver 3 in a child process (see s3rver-child.mjs for why) on 127.0.0.1,
 * a free port and its own temp folder; `bucket` is created through the API.
 */
export async function startS3rver(bucket: string): Promise<{ endpoint: string; dir: string; stop: () => Promise<void> }> {
  const tmp = await tempDir('bigapp-s3rver-');
  const child = spawn(process.execPath, ['--openssl-legacy-provider', CHILD, tmp.dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve((JSON.parse(buf.slice(0, nl)) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code} before listening`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
  return {
    endpoint,
    dir: tmp.dir,
    stop: async () => {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      await tmp.remove();
    },
  };
}

/** A bare HTTP server doing what the web service will do for local presigned links. */
export async function startPresignServer(getBucket: () => Bucket, secret: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    void servePresigned(getBucket(), req, res, { secret }).then((handled) => {
      if (!handled) {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
