import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { findPostgres } from '../support/servers.js';
import { freePort, redisServerAvailable, ThrowawayRedis } from '../support/redis-server.js';
import { BIN, runBigapp, stopSupervisor, type Spawned } from '../support/processes.js';
import { throwawayDatabase } from '../db/helpers.js';
import { multipart } from './helpers.js';

/**
 * `bigapp up web image --scale image=3` over a real redis-server and
 * PostgreSQL: 50 uploads through the API, one image worker killed with
 * SIGKILL mid-way, and every item still ends ready with thumbnails.
 * Runs the compiled dist (npm test builds first).
 */
const pg = await findPostgres();
const thumbnailSource = await import('../../services/image/src/thumbnail.js').then((m) => String(m.thumbnail)).catch(() => 'not_implemented');
const imageStub = thumbnailSource.includes('not_implemented');
const built = existsSync(BIN) && existsSync(path.join(path.dirname(BIN), '../../../services/dist/web/src/app.js'));
const ok = Boolean(pg.url) && redisServerAvailable() && built;
if (!built) console.warn('\n*** SKIPPED: web multi-process test — run `npx tsc -b` first (npm test does). ***\n');

const N = 50;

describe.skipIf(!ok || imageStub)('web + 3 image workers as processes; kill -9 one mid-way', () => {
  let redis: ThrowawayRedis;
  let database: Awaited<ReturnType<typeof throwawayDatabase>>;
  let dataDir: string;
  let up: Spawned;
  let base: string;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    database = await throwawayDatabase(pg.url!);
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'bigapp-web-mp-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    up = runBigapp(['up', 'web', 'image', '--scale', 'image=3'], {
      BIGAPP_ENV: 'test',
      REDIS_URL: redis.url,
      DATABASE_URL: database.url,
      BIGAPP_DATA_DIR: dataDir,
      BUCKET_DIR: path.join(dataDir, 'bucket'),
      BUCKET_SIGNING_SECRET: 's'.repeat(64),
      BIGAPP_HTTP_PORT: String(port),
      BIGAPP_HTTP_HOST: '127.0.0.1',
      BIGAPP_HEARTBEAT_MS: '300',
      BIGAPP_CONSUMER_TTL_MS: '1500',
      BIGAPP_LEDGER_CHECK_AFTER_MS: '5000',
      BIGAPP_LEDGER_INTERVAL_MS: '500',
      BIGAPP_GRACE_MS: '3000',
    });
    await up.waitForLine((l) => typeof l.msg === 'string' && l.msg.startsWith('web: listening'), 60_000);
  }, 90_000);

  afterAll(async () => {
    await stopSupervisor(up);
    await database?.drop().catch(() => undefined);
    await redis?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it(`${N} uploads all end ready although an image worker was killed`, async () => {
    const reg = await fetch(`${base}/api/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'loader', password: 'correct-horse-battery' }) });
    expect(reg.status).toBe(201);
    const cookie = /bigapp_session=([^;]+)/.exec(reg.headers.get('set-cookie') ?? '')![1]!;
    const { csrfToken } = (await reg.json()) as { csrfToken: string };
    const h = { cookie: `bigapp_session=${cookie}`, 'x-csrf-token': csrfToken };
    const ws = ((await (await fetch(`${base}/api/workspaces`, { method: 'POST', headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Load' }) })).json()) as { id: string }).id;

    const imagePids = up.lines.filter((l) => l.msg === 'replica started' && l.service === 'image').map((l) => l.pid as number);
    expect(imagePids).toHaveLength(3);
    let killed = false;
    const ids: string[] = [];
    const uploadOne = async (i: number) => {
      const png = await sharp({ create: { width: 320 + i, height: 240, channels: 3, background: { r: (i * 5) % 256, g: 100, b: 200 } } }).png().toBuffer();
      const { payload, headers } = multipart(png, `img-${i}.png`);
      const r = await fetch(`${base}/api/workspaces/${ws}/media`, { method: 'POST', headers: { ...h, ...headers }, body: payload });
      expect(r.status).toBe(201);
      ids.push(((await r.json()) as { id: string }).id);
    };
    for (let i = 0; i < N; i += 5) {
      await Promise.all([0, 1, 2, 3, 4].map((k) => uploadOne(i + k)));
      if (!killed && i >= 20) {
        process.kill(imagePids[0]!, 'SIGKILL');
        killed = true;
      }
    }
    expect(killed).toBe(true);
    await up.waitForLine((l) => l.msg === 'replica exited' && l.pid === imagePids[0], 10_000);

    const deadline = Date.now() + 120_000;
    let items: { id: string; status: string; thumbnails: unknown; error: string | null }[] = [];
    while (Date.now() < deadline) {
      const r = await fetch(`${base}/api/workspaces/${ws}/media?limit=100`, { headers: h });
      items = ((await r.json()) as { items: typeof items }).items;
      if (items.length === N && items.every((m) => m.status !== 'processing')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const notReady = items.filter((m) => m.status !== 'ready');
    expect(notReady, JSON.stringify(notReady.slice(0, 3))).toEqual([]);
    expect(items).toHaveLength(N);
    expect(new Set(items.map((m) => m.id))).toEqual(new Set(ids));
    for (const m of items) expect(m.thumbnails).toMatchObject({ small: expect.stringMatching(/^\/bucket\/thumbs\//), large: expect.stringMatching(/^\/bucket\/thumbs\//) });
    // A thumbnail is really there.
    const first = items[0]!.thumbnails as { small: string };
    const t = await fetch(`${base}${first.small}`);
    expect(t.status).toBe(200);
    expect(t.headers.get('content-type')).toBe('image/webp');
  }, 240_000);
});
