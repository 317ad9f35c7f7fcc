// Bucket throughput benchmark: each driver against the plainest code doing
// the same transfer, in the same run, so the ratio is the driver's overhead.
//
//   storage.local.put   bucket.put(createReadStream(src))   vs pipeline(createReadStream, createWriteStream)
//   storage.local.get   bucket.get() -> /dev/null          vs pipeline(createReadStream, createWriteStream(/dev/null))
//   storage.s3.put      bucket.put(createReadStream(src))   vs lib-storage Upload, same part size and queue
//   storage.s3.get      bucket.get() -> /dev/null          vs GetObjectCommand -> /dev/null
//
// s3rver runs in a child process on 127.0.0.1 (a local S3 server, so the
// S3 figures measure client overhead plus s3rver, not a cloud link). Each
// figure is the median of RUNS runs; driver and baseline alternate order.
// Prints `name=value` lines. Bounded by a hard deadline; cleans its temp files.
//
// Env: BENCH_STORAGE_MB (default 256), BENCH_STORAGE_RUNS (default 3).
import { execFileSync, spawn } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { openLocalBucket } from '../../packages/kit/dist/storage/index.js';
import { openS3Bucket } from '../../packages/kit/dist/storage/s3.js';

const MB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_STORAGE_MB ?? 256) * MB;
const RUNS = Number(process.env.BENCH_STORAGE_RUNS ?? 3);
const DEADLINE_MS = 15 * 60 * 1000;
const PART_SIZE = 5 * MB; // the S3 driver's defaults, given to the plain Upload too
const QUEUE_SIZE = 2;
const CHILD = fileURLToPath(new URL('../../test/storage/s3rver-child.mjs', import.meta.url));
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

const root = await mkdtemp(join(tmpdir(), 'bigapp-bench-storage-'));
let child;
const cleanup = async () => {
  if (child && child.exitCode === null) child.kill('SIGTERM');
  await rm(root, { recursive: true, force: true });
};
const deadline = setTimeout(async () => {
  console.error(`bench: deadline of ${DEADLINE_MS / 60000} min reached, stopping`);
  await cleanup();
  process.exit(1);
}, DEADLINE_MS);
deadline.unref();
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, async () => { await cleanup(); process.exit(130); });

function deterministicStream(size) {
  const cipher = createCipheriv('aes-256-ctr', createHash('sha256').update('bench').digest(), Buffer.alloc(16));
  const zeros = Buffer.alloc(MB);
  let left = size;
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const n = Math.min(left, zeros.length);
      left -= n;
      this.push(cipher.update(zeros.subarray(0, n)));
    },
  });
}

async function timed(fn) {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}
const mbps = (seconds) => SIZE / MB / seconds;
/**
 * Writes back dirty pages between timed transfers: otherwise whichever side
 * runs next is throttled by the kernel for the previous side's 256 MB.
 */
const settle = () => execFileSync('sync');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Runs driver and baseline RUNS times each, alternating which goes first.
 * `between` runs untimed after each transfer: puts remove their target so
 * every put creates a new file (replacing a large file costs the file system
 * a block release and, on ext4, a forced flush, which neither side should pay).
 */
async function compare(driver, baseline, between) {
  const d = [];
  const b = [];
  for (let i = 0; i < RUNS; i++) {
    const pair = i % 2 === 0 ? [[driver, d], [baseline, b]] : [[baseline, b], [driver, d]];
    for (const [fn, out] of pair) {
      out.push(mbps(await timed(fn)));
      await between?.();
    }
  }
  return { driver: median(d), baseline: median(b) };
}

const lines = [];
const emit = (name, value, digits = 1) => {
  const line = `${name}=${value.toFixed(digits)}`;
  lines.push(line);
  console.log(line);
};
function report(prefix, baselineName, r) {
  emit(`${prefix}.mbps`, r.driver);
  emit(`${prefix}.${baselineName}.mbps`, r.baseline);
  emit(`${prefix}.ratio_vs_${baselineName}`, r.driver / r.baseline, 2);
}

try {
  console.log(`# storage bench: object ${SIZE / MB} MB, ${RUNS} runs, median; node ${process.version}`);
  const src = join(root, 'src.bin');
  await pipeline(deterministicStream(SIZE), createWriteStream(src));
  settle();

  // --- folder driver vs plain fs -----------------------------------------
  const local = await openLocalBucket({ dir: join(root, 'bucket') });
  const plainDst = join(root, 'plain.bin');
  // Reads go to /dev/null: truncating a 256 MB output file each run makes ext4
  // flush it, and that noise dwarfed the read path being measured.
  const out = '/dev/null';
  report('storage.local.put', 'fs', await compare(
    () => local.put('bench/object.bin', createReadStream(src)),
    () => pipeline(createReadStream(src), createWriteStream(plainDst)),
    async () => {
      await local.delete('bench/object.bin');
      await rm(plainDst, { force: true });
      settle();
    },
  ));
  await local.put('bench/object.bin', createReadStream(src));
  await pipeline(createReadStream(src), createWriteStream(plainDst));
  report('storage.local.get', 'fs', await compare(
    async () => pipeline((await local.get('bench/object.bin')).body, createWriteStream(out)),
    () => pipeline(createReadStream(plainDst), createWriteStream(out)),
    settle,
  ));
  await local.delete('bench/object.bin');
  await unlink(plainDst);

  // --- S3 driver vs plain SDK, against s3rver in a child process ---------
  const s3dir = join(root, 's3rver');
  child = spawn(process.execPath, ['--openssl-legacy-provider', CHILD, s3dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) resolve(JSON.parse(buf.slice(0, buf.indexOf('\n'))).port);
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
  await client.send(new CreateBucketCommand({ Bucket: 'bench' }));
  const s3 = openS3Bucket({ bucket: 'bench', endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS, partSize: PART_SIZE, queueSize: QUEUE_SIZE });
  const dropPlain = () => client.send(new DeleteObjectCommand({ Bucket: 'bench', Key: 'plain.bin' }));
  report('storage.s3.put', 'sdk', await compare(
    () => s3.put('bench/object.bin', createReadStream(src)),
    () => new Upload({ client, params: { Bucket: 'bench', Key: 'plain.bin', Body: createReadStream(src) }, partSize: PART_SIZE, queueSize: QUEUE_SIZE }).done(),
    settle,
  ));
  report('storage.s3.get', 'sdk', await compare(
    async () => pipeline((await s3.get('bench/object.bin')).body, createWriteStream(out)),
    async () => pipeline((await client.send(new GetObjectCommand({ Bucket: 'bench', Key: 'plain.bin' }))).Body, createWriteStream(out)),
    settle,
  ));
  await s3.delete('bench/object.bin');
  await dropPlain();
  await s3.close();
  client.destroy();
  emit('storage.s3.part_size_mb', PART_SIZE / MB, 0);
  emit('storage.s3.queue_size', QUEUE_SIZE, 0);
  const ratios = lines.filter((l) => l.includes('.ratio_vs_')).map((l) => Number(l.split('=')[1]));
  emit('storage.min_ratio', Math.min(...ratios), 2);
} finally {
  await cleanup();
  clearTimeout(deadline);
}
