// Web service benchmark, one run, `name=value` lines (loopback only, bounded, cleans up).
//
//   web.list.*     authenticated GET /api/workspaces/:id/media?limit=50 (session cookie,
//                  membership check, keyset query, 100 signed thumbnail URLs) with autocannon,
//                  vs a bare Fastify route returning the same JSON bytes; target ratio >= 0.60
//   web.thumbs.*   thumbnails/s through the image service's handler (bucket read, checks,
//                  2 WebP sizes, bucket writes) vs sharp directly on the same files with the
//                  same parallelism; target ratio >= 0.90
//   web.sse.*      upload -> media.updated(ready) seen on an SSE stream: p50/p99 latency,
//                  with the real image handler on the in-process bus
//
// Needs PostgreSQL (DATABASE_URL, else 127.0.0.1:5432); a throwaway database is created and dropped.
// Env: BENCH_WEB_SECONDS (default 5 per autocannon run), BENCH_WEB_CONNECTIONS (default 20),
//      BENCH_WEB_THUMBS (default 24 images), BENCH_WEB_SSE (default 40 uploads).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import pg from 'pg';
import { createLogger, openBus } from '../../packages/kit/dist/index.js';
import { migrate, migrations, openDatabase, parseDbEnv } from '../../packages/kit/dist/db/index.js';
import { JobLedger } from '../../packages/kit/dist/ledger/index.js';
import { openLocalBucket } from '../../packages/kit/dist/storage/index.js';
import { buildWebApp } from '../../services/dist/web/src/app.js';
import { parseWebConfig } from '../../services/dist/web/src/config.js';

const SECONDS = Number(process.env.BENCH_WEB_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_WEB_CONNECTIONS ?? 20);
const THUMBS = Number(process.env.BENCH_WEB_THUMBS ?? 24);
const SSE_N = Number(process.env.BENCH_WEB_SSE ?? 40);
const DEADLINE = setTimeout(() => {
  console.error('bench:web: deadline (5 min) reached');
  process.exit(2);
}, 5 * 60_000);
DEADLINE.unref();

const log = createLogger({ level: 'silent', pretty: false });
const out = (k, v) => console.log(`${k}=${v}`);
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `bigapp_bench_${randomBytes(5).toString('hex')}`;
const admin = async (sql) => {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
};
const dir = await mkdtemp(join(tmpdir(), 'bigapp-bench-web-'));
const cleanups = [];
const cleanup = async () => {
  for (const f of cleanups.reverse()) await f().catch(() => undefined);
  await admin(`drop database if exists ${dbName} with (force)`).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
};

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const cannon = (url, headers) =>
  new Promise((resolve, reject) => autocannon({ url, headers, connections: CONNECTIONS, duration: SECONDS, pipelining: 1 }, (err, r) => (err ? reject(err) : resolve(r))));

try {
  await admin(`create database ${dbName}`);
  const u = new URL(serverUrl);
  u.pathname = `/${dbName}`;
  const db = await openDatabase(parseDbEnv({ DATABASE_URL: u.toString(), DATABASE_POOL_MAX: '20' }), log);
  cleanups.push(() => db.close());
  await migrate(db.db, migrations, log);
  const secret = randomBytes(32).toString('hex');
  const bucket = await openLocalBucket({ dir: join(dir, 'bucket'), signingSecret: secret });
  const { bus, cache } = openBus({ log });
  cleanups.push(() => cache.close());
  cleanups.push(() => bus.close(0));
  const ledger = new JobLedger(db.db, bus, { log });
  cleanups.push(() => ledger.stop());
  const config = parseWebConfig({ BIGAPP_ENV: 'test', BIGAPP_UI_DIR: join(dir, 'no-ui') });
  const app = await buildWebApp({ db: db.db, bucket, ledger, bus, log, config, bucketSecret: secret });
  cleanups.push(() => app.close());
  await ledger.start(['image', 'export', 'import']);
  const base = await app.listen({ port: 0, host: '127.0.0.1' });

  // A user, a workspace and 200 ready items (50 per page).
  const reg = await fetch(`${base}/api/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: 'bench-password-1' }) });
  const cookie = /bigapp_session=([^;]+)/.exec(reg.headers.get('set-cookie'))[1];
  const { csrfToken } = await reg.json();
  const auth = { cookie: `bigapp_session=${cookie}`, 'x-csrf-token': csrfToken };
  const ws = (await (await fetch(`${base}/api/workspaces`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Bench' }) })).json()).id;
  const user = await db.db.selectFrom('users').select('id').executeTakeFirstOrThrow();
  const rows = Array.from({ length: 200 }, (_, i) => ({
    workspace_id: ws, filename: `photo-${i}.jpg`, content_type: 'image/jpeg', size: 100_000 + i, sha256: 'a'.repeat(64), original_key: `originals/${ws}/x${i}`,
    status: 'ready', width: 4000, height: 3000, format: 'jpeg', thumb_small_key: `thumbs/${ws}/x${i}-${'b'.repeat(64)}-256.webp`, thumb_large_key: `thumbs/${ws}/x${i}-${'c'.repeat(64)}-1024.webp`,
    created_by: user.id, created_at: new Date(Date.now() - i * 1000),
  }));
  await db.db.insertInto('media').values(rows).execute();

  // 1. Authenticated list vs a bare route with the same JSON.
  const listUrl = `${base}/api/workspaces/${ws}/media?limit=50`;
  const sample = await (await fetch(listUrl, { headers: auth })).text();
  if (JSON.parse(sample).items.length !== 50) throw new Error('list did not return 50 items');
  const bare = Fastify({ logger: false });
  const parsed = JSON.parse(sample);
  bare.get('/bare', async () => parsed);
  const bareBase = await bare.listen({ port: 0, host: '127.0.0.1' });
  cleanups.push(() => bare.close());
  await cannon(listUrl, auth); // warm-up (JIT, pool)
  const a = await cannon(listUrl, auth);
  const b = await cannon(`${bareBase}/bare`, {});
  if (a.non2xx || a.errors) throw new Error(`list run had ${a.non2xx} non-2xx and ${a.errors} errors`);
  out('web.list.bytes', Buffer.byteLength(sample));
  out('web.list.connections', CONNECTIONS);
  out('web.list.rps', Math.round(a.requests.average));
  out('web.list.p99_ms', a.latency.p99);
  out('web.bare.rps', Math.round(b.requests.average));
  out('web.bare.p99_ms', b.latency.p99);
  out('web.list.ratio', (a.requests.average / b.requests.average).toFixed(2));
  out('web.list.target', '0.60');

  // 2. Thumbnails through the image handler vs sharp directly.
  let image;
  try {
    image = await import('../../services/dist/image/src/thumbnail.js');
    if (typeof image.makeThumbnails !== 'function') image = undefined;
  } catch {
    image = undefined;
  }
  if (!image) {
    out('web.thumbs.skipped', 'image service not built');
    out('web.sse.skipped', 'image service not built');
  } else {
    const sharp = (await import('sharp')).default;
    const { parseImageConfig } = await import('../../services/dist/image/src/config.js');
    const imageConfig = parseImageConfig({});
    const files = [];
    for (let i = 0; i < THUMBS; i++) {
      const jpg = await sharp({ create: { width: 3000, height: 2000, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg({ quality: 85 }).toBuffer();
      const f = join(dir, `src-${i}.jpg`);
      await writeFile(f, jpg);
      await bucket.put(`bench/src-${i}`, jpg, { contentType: 'image/jpeg' });
      files.push(f);
    }
    const par = Math.max(1, Math.min(2, availableParallelism()));
    const pool = async (n, fn) => {
      let next = 0;
      await Promise.all(Array.from({ length: par }, async () => {
        while (next < n) await fn(next++);
      }));
    };
    const ctrl = new AbortController();
    const jobCtx = { signal: ctrl.signal, log };
    const viaHandler = async () => {
      const t = performance.now();
      await pool(THUMBS, (i) => image.makeThumbnails({ bucket, config: imageConfig }, { workspaceId: ws, mediaId: '00000000-0000-4000-8000-' + String(i).padStart(12, '0'), key: `bench/src-${i}` }, jobCtx));
      return THUMBS / ((performance.now() - t) / 1000);
    };
    const direct = async () => {
      const t = performance.now();
      await pool(THUMBS, async (i) => {
        const large = await sharp(files[i]).rotate().resize(imageConfig.largePx ?? 1024, imageConfig.largePx ?? 1024, { fit: 'inside', withoutEnlargement: true }).webp().toBuffer();
        await sharp(large).resize(imageConfig.smallPx ?? 256, imageConfig.smallPx ?? 256, { fit: 'inside', withoutEnlargement: true }).webp().toBuffer();
      });
      return THUMBS / ((performance.now() - t) / 1000);
    };
    await viaHandler();
    await direct(); // warm-up both
    const h = [], d = [];
    for (let r = 0; r < 3; r++) {
      h.push(await viaHandler());
      d.push(await direct());
    }
    const hm = pct(h, 50), dm = pct(d, 50);
    out('web.thumbs.images', THUMBS);
    out('web.thumbs.parallel', par);
    out('web.thumbs.handler_per_s', hm.toFixed(1));
    out('web.thumbs.sharp_per_s', dm.toFixed(1));
    out('web.thumbs.ratio', (hm / dm).toFixed(2));
    out('web.thumbs.target', '0.90');

    // 3. Upload -> thumbnail visible over SSE, with the real handler on the in-process bus.
    await image.startImage({ bucket, config: { raw: {} }, log });
    const worker = await bus.work({ service: 'image', concurrency: 2, handlers: { thumbnail: { handler: image.thumbnail } } });
    cleanups.push(() => bus.stopConsumer(worker, 0));
    const ctrl2 = new AbortController();
    cleanups.push(async () => ctrl2.abort());
    const res = await fetch(`${base}/api/workspaces/${ws}/events`, { headers: auth, signal: ctrl2.signal });
    const waiting = new Map();
    (async () => {
      const reader = res.body.getReader();
      const dec = new TextDecoder();
      let buf = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buf += dec.decode(value, { stream: true });
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const frame = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const data = /^data: (.*)$/m.exec(frame)?.[1];
            if (!data) continue;
            const e = JSON.parse(data);
            if (e.type === 'media.updated' && e.media.status !== 'processing') waiting.get(e.media.id)?.(e.media.status);
          }
        }
      } catch {
        /* aborted */
      }
    })();
    const photo = await sharp({ create: { width: 1600, height: 1200, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 30 } } }).jpeg({ quality: 85 }).toBuffer();
    const lat = [];
    for (let i = 0; i < SSE_N; i++) {
      const form = new FormData();
      form.append('file', new Blob([photo], { type: 'image/jpeg' }), `p${i}.jpg`);
      const t = performance.now();
      const up = await fetch(`${base}/api/workspaces/${ws}/media`, { method: 'POST', headers: auth, body: form });
      if (up.status !== 201) throw new Error(`upload ${up.status}: ${await up.text()}`);
      const { id } = await up.json();
      const status = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no SSE event within 30 s')), 30_000);
        waiting.set(id, (s) => (clearTimeout(timer), resolve(s)));
      });
      if (status !== 'ready') throw new Error(`item ended ${status}`);
      lat.push(performance.now() - t);
    }
    out('web.sse.uploads', SSE_N);
    out('web.sse.upload_bytes', photo.length);
    out('web.sse.p50_ms', pct(lat, 50).toFixed(1));
    out('web.sse.p99_ms', pct(lat, 99).toFixed(1));
  }
} catch (err) {
  console.error(`bench:web failed: ${err?.stack ?? err}`);
  process.exitCode = 1;
} finally {
  await cleanup();
  clearTimeout(DEADLINE);
}
