import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { openBus } from '@bigapp/kit';
import { JobLedger } from '@bigapp/kit/ledger';
import { buildWebApp } from '../../services/web/src/app.js';
import { findPostgres } from '../support/servers.js';
import { ThrowawayRedis, redisServerAvailable } from '../support/redis-server.js';
import { Client, log, multipart, PNG_1PX, SECRET, webEnv, type Env } from './helpers.js';

/**
 * The read caches (sessions, roles, list pages) never outlive a change:
 * a change made on replica A is seen at once on replica B.
 */
const pg = await findPostgres();
const ok = Boolean(pg.url) && redisServerAvailable();

describe.skipIf(!ok)('read caches across two web replicas (real PostgreSQL, real redis-server)', () => {
  let redis: ThrowawayRedis;
  let a: Env;
  let b: FastifyInstance;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    a = await webEnv(pg.url!, { redisUrl: redis.url, env: { BIGAPP_READ_CACHE_MS: '60000' } });
    const conn = openBus({ redisUrl: redis.url, log });
    const ledgerB = new JobLedger(a.db.db, conn.bus, { log });
    b = await buildWebApp({ db: a.db.db, bucket: a.bucket, ledger: ledgerB, bus: conn.bus, log, config: a.config, bucketSecret: SECRET, heartbeatMs: 200 });
    await b.ready();
    b.addHook('onClose', async () => {
      await conn.bus.close(0);
      await conn.cache.close();
    });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await redis?.destroy();
  });

  /** The same browser session, sent to either replica. */
  const on = (app: FastifyInstance, c: Client) => Object.assign(new Client(app), { cookie: c.cookie, csrf: c.csrf, userId: c.userId });

  it('a removed member loses access on the other replica at once, though the cache TTL is a minute', async () => {
    const owner = await new Client(a.app).register('owner1');
    const guest = await new Client(a.app).register('guest1');
    const ws = (await owner.call('POST', '/api/workspaces', { name: 'W' })).json().id as string;
    // B caches "not a member".
    expect((await on(b, guest).call('GET', `/api/workspaces/${ws}/media`)).statusCode).toBe(404);
    expect((await owner.call('POST', `/api/workspaces/${ws}/members`, { username: 'guest1', role: 'viewer' })).statusCode).toBe(201);
    await new Promise((r) => setTimeout(r, 100));
    expect((await on(b, guest).call('GET', `/api/workspaces/${ws}/media`)).statusCode).toBe(200);
    expect((await owner.call('DELETE', `/api/workspaces/${ws}/members/${guest.userId}`)).statusCode).toBe(204);
    await new Promise((r) => setTimeout(r, 100));
    expect((await on(b, guest).call('GET', `/api/workspaces/${ws}/media`)).statusCode).toBe(404);
  });

  it('a logged-out session is refused on the other replica at once', async () => {
    const u = await new Client(a.app).register('leaver1');
    const onB = on(b, u);
    expect((await onB.call('GET', '/api/auth/me')).statusCode).toBe(200);
    expect((await u.call('POST', '/api/auth/logout')).statusCode).toBe(204);
    await new Promise((r) => setTimeout(r, 100));
    expect((await onB.call('GET', '/api/auth/me')).statusCode).toBe(401);
  });

  it('a cached media page shows an upload made on the other replica', async () => {
    const owner = await new Client(a.app).register('lister1');
    const ws = (await owner.call('POST', '/api/workspaces', { name: 'L' })).json().id as string;
    const onB = on(b, owner);
    expect((await onB.call('GET', `/api/workspaces/${ws}/media`)).json().items).toHaveLength(0);
    const up = multipart(PNG_1PX, 'one.png', 'file', 'image/png');
    expect((await owner.call('POST', `/api/workspaces/${ws}/media`, up.payload, up.headers)).statusCode).toBe(201);
    await new Promise((r) => setTimeout(r, 100));
    expect((await onB.call('GET', `/api/workspaces/${ws}/media`)).json().items).toHaveLength(1);
  });
});
