import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Consumer } from '@bigapp/kit';
import { findPostgres } from '../support/servers.js';
import { redisServerAvailable, ThrowawayRedis } from '../support/redis-server.js';
import { buildWebApp } from '../../services/web/src/app.js';
import { Client, log, multipart, PNG_1PX, SECRET, until, webEnv, type Env } from './helpers.js';

/**
 * Live updates: an upload's image job finishes (a tiny in-test image worker
 * on the bus), the web service's ledger listener marks the media ready and
 * publishes workspace.event, and an SSE client — on another web replica over
 * a real Redis — receives media.updated.
 */
const pg = await findPostgres();
const ok = Boolean(pg.url) && redisServerAvailable();

/** Reads SSE frames from a real HTTP connection. */
async function openEvents(url: string, cookie: string) {
  const ctrl = new AbortController();
  const res = await fetch(url, { headers: { cookie: `bigapp_session=${cookie}` }, signal: ctrl.signal });
  const events: { event: string; data: any }[] = [];
  let comments = 0;
  let buf = '';
  const reader = res.body!.getReader();
  const done = (async () => {
    const dec = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += dec.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (ev && data) events.push({ event: ev, data: JSON.parse(data) });
          else if (frame.includes(': heartbeat')) comments++;
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return { res, events, heartbeats: () => comments, close: () => ctrl.abort(), done };
}

describe.skipIf(!ok)('live updates over SSE (real PostgreSQL, real redis-server, two web replicas)', () => {
  let redis: ThrowawayRedis;
  let a: Env;
  let b: Awaited<ReturnType<typeof buildWebApp>>;
  let worker: Consumer;
  let baseB: string;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    a = await webEnv(pg.url!, { redisUrl: redis.url });
    // Replica B: same database, bucket and Redis; its own bus connection and ledger consumer.
    const { openBus } = await import('@bigapp/kit');
    const { JobLedger } = await import('@bigapp/kit/ledger');
    const conn = openBus({ redisUrl: redis.url, log });
    const ledgerB = new JobLedger(a.db.db, conn.bus, { log });
    b = await buildWebApp({ db: a.db.db, bucket: a.bucket, ledger: ledgerB, bus: conn.bus, log, config: a.config, bucketSecret: SECRET, heartbeatMs: 200 });
    await ledgerB.start(['image', 'export', 'import']);
    b.addHook('onClose', async () => {
      await ledgerB.stop();
      await conn.bus.close(0);
      await conn.cache.close();
    });
    baseB = await b.listen({ port: 0, host: '127.0.0.1' });
    // The stand-in image worker: a "corrupt" file fails, everything else succeeds.
    worker = await a.bus.work({
      service: 'image',
      concurrency: 2,
      handlers: {
        thumbnail: {
          handler: async (data: any) => {
            const { JobFailure } = await import('@bigapp/kit');
            if (data.key.endsWith('fail')) throw new JobFailure('corrupt', 'The file is damaged: unexpected end of data.');
            return { width: 640, height: 480, format: 'png', thumbnails: { small: `thumbs/${data.workspaceId}/${data.mediaId}-aa-256.webp`, large: `thumbs/${data.workspaceId}/${data.mediaId}-bb-1024.webp` } };
          },
        },
      } as never,
    });
  });

  afterAll(async () => {
    if (worker) await a.bus.stopConsumer(worker, 0);
    await b?.close();
    await a?.close();
    await redis?.destroy();
  });

  it('delivers media.updated (processing, then ready with thumbnail URLs) to a client of the other replica', async () => {
    const alice = await new Client(a.app).register('alice');
    const ws = (await alice.call('POST', '/api/workspaces', { name: 'Live' })).json().id;
    const sse = await openEvents(`${baseB}/api/workspaces/${ws}/events`, alice.cookie!);
    expect(sse.res.status).toBe(200);
    expect(sse.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await new Promise((r) => setTimeout(r, 100)); // subscribed
    const { payload, headers } = multipart(PNG_1PX, 'live.png');
    const m = (await alice.call('POST', `/api/workspaces/${ws}/media`, payload, headers)).json();
    await until(() => sse.events.some((e) => e.event === 'media.updated' && e.data.media.id === m.id && e.data.media.status === 'ready'), 15_000, 'media.updated ready');
    const ready = sse.events.find((e) => e.data.media?.status === 'ready')!.data;
    expect(ready).toMatchObject({ type: 'media.updated', workspaceId: ws, media: { id: m.id, width: 640, height: 480, format: 'png' } });
    expect(ready.media.thumbnails.small).toMatch(new RegExp(`^/bucket/thumbs/${ws}/${m.id}-aa-256\\.webp\\?method=GET&exp=\\d+&sig=`));
    expect(sse.events[0]).toMatchObject({ event: 'media.updated', data: { media: { id: m.id, status: 'processing' } } });
    // Thumbnail links are stable (cacheable) and served with immutable cache headers.
    const again = (await alice.call('GET', `/api/workspaces/${ws}/media/${m.id}`)).json();
    expect(again.thumbnails.small).toBe(ready.media.thumbnails.small);
    await a.bucket.put(`thumbs/${ws}/${m.id}-aa-256.webp`, Buffer.from('RIFFxxxxWEBP'), { contentType: 'image/webp' });
    const t = await a.app.inject({ method: 'GET', url: again.thumbnails.small });
    expect(t.statusCode).toBe(200);
    expect(t.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    await until(() => sse.heartbeats() > 0, 5_000, 'a heartbeat');
    sse.close();
  });

  it('a failed image job marks the item failed with a readable reason; job.progress is relayed; non-members get 404', async () => {
    const u = await new Client(a.app).register('bob');
    const ws = (await u.call('POST', '/api/workspaces', { name: 'Fails' })).json().id;
    const sse = await openEvents(`${baseB}/api/workspaces/${ws}/events`, u.cookie!);
    await new Promise((r) => setTimeout(r, 100));
    const { payload, headers } = multipart(PNG_1PX, 'bad.png');
    const m = (await u.call('POST', `/api/workspaces/${ws}/media`, payload, headers)).json();
    // Make the worker fail this one: a second job for the same item, on a key ending in "fail".
    await until(async () => (await u.call('GET', `/api/workspaces/${ws}/media/${m.id}`)).json().status === 'ready', 15_000, 'ready');
    await a.db.db.updateTable('media').set({ status: 'processing' }).where('id', '=', m.id).execute();
    await a.ledger.transaction(async (trx, jobs) => {
      const j = await jobs.enqueue('image', 'thumbnail', { workspaceId: ws, mediaId: m.id, key: `originals/${ws}/${m.id}-fail` }, { workspaceId: ws });
      await trx.updateTable('media').set({ job_id: j.id }).where('id', '=', m.id).execute();
    });
    await until(async () => (await u.call('GET', `/api/workspaces/${ws}/media/${m.id}`)).json().status === 'failed', 15_000, 'failed');
    expect((await u.call('GET', `/api/workspaces/${ws}/media/${m.id}`)).json()).toMatchObject({ status: 'failed', error: 'The file is damaged: unexpected end of data.', thumbnails: null });
    await until(() => sse.events.some((e) => e.data.media?.status === 'failed'), 10_000, 'failed event');
    await a.bus.publish('job.progress', { workspaceId: ws, jobId: 'j1', kind: 'export', progress: 0.5 });
    await until(() => sse.events.some((e) => e.event === 'job.progress'), 10_000, 'progress');
    expect(sse.events.find((e) => e.event === 'job.progress')!.data).toEqual({ type: 'job.progress', workspaceId: ws, jobId: 'j1', kind: 'export', progress: 0.5 });
    sse.close();
    const stranger = await new Client(a.app).register('stranger');
    const r = await fetch(`${baseB}/api/workspaces/${ws}/events`, { headers: { cookie: `bigapp_session=${stranger.cookie}` } });
    expect(r.status).toBe(404);
  });

  it('closing the app ends open SSE streams', async () => {
    const u = await new Client(b).register('closer');
    const ws = (await u.call('POST', '/api/workspaces', { name: 'Bye' })).json().id;
    const sse = await openEvents(`${baseB}/api/workspaces/${ws}/events`, u.cookie!);
    const t0 = Date.now();
    await b.close();
    await sse.done;
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});
