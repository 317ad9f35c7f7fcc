import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createLogger, keys, openBus, type Bus, type Cache } from '@bigapp/kit';
import { migrate, migrations, openDatabase, type DatabaseHandle } from '@bigapp/kit/db';
import { JobLedger } from '@bigapp/kit/ledger';
import { findPostgres } from '../support/servers.js';
import { ThrowawayRedis, redisServerAvailable } from '../support/redis-server.js';
import { runBigapp, type Spawned } from '../support/processes.js';
import { until } from '../support/bus.js';
import { throwawayDatabase } from '../db/helpers.js';

/**
 * The job ledger: PostgreSQL is the record, Redis the transport. A durable
 * job survives Redis losing everything.
 */
const pg = await findPostgres();
const ok = Boolean(pg.url) && redisServerAvailable();
const log = createLogger({ level: 'silent', pretty: false });

describe.skipIf(!ok)('job ledger (real PostgreSQL, real redis-server)', () => {
  let database: Awaited<ReturnType<typeof throwawayDatabase>>;
  let handle: DatabaseHandle;
  let redis: ThrowawayRedis;
  let conn: { bus: Bus; cache: Cache };
  let ledger: JobLedger;
  const procs: Spawned[] = [];

  beforeAll(async () => {
    database = await throwawayDatabase(pg.url!);
    handle = await openDatabase({ url: database.url, poolMax: 10, statementTimeoutMs: 30_000, connectTimeoutMs: 5_000, connectRetries: 2 } as never, log);
    await migrate(handle.db, migrations, log);
    redis = await ThrowawayRedis.start();
    conn = openBus({ redisUrl: redis.url, log, settings: { heartbeatMs: 200, consumerTtlMs: 1_000 } });
    ledger = new JobLedger(handle.db, conn.bus, { log, reconcileAfterMs: 1_500, intervalMs: 250 });
    await ledger.start(['demo']);
  });

  afterAll(async () => {
    for (const p of procs) p.proc.kill('SIGKILL');
    await ledger?.stop();
    await conn?.bus.close();
    await conn?.cache.close();
    await handle?.close();
    await database?.drop();
    await redis?.destroy();
  });

  const count = async (status: string) =>
    Number((await handle.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', status as never).executeTakeFirstOrThrow()).n);

  it('pushes a job only if the transaction that recorded it commits', async () => {
    await expect(
      ledger.transaction(async (_trx, jobs) => {
        await jobs.enqueue('demo', 'echo', { text: 'never' });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await count('queued')).toBe(0);
    expect((await conn.bus.stats('demo')).queued).toBe(0);
    const ref = await ledger.enqueue('demo', 'echo', { text: 'yes' }, { idempotencyKey: 'k1' });
    const again = await ledger.enqueue('demo', 'echo', { text: 'yes' }, { idempotencyKey: 'k1' });
    expect(again).toMatchObject({ id: ref.id, created: false });
    expect((await conn.bus.stats('demo')).queued).toBe(1);
    const row = await ledger.get(ref.id);
    expect(row).toMatchObject({ status: 'queued', service: 'demo', type: 'echo', payload: { text: 'yes' }, attempts: 0 });
    expect(row!.trace_id).toMatch(/^[0-9a-f]{32}$/);
    await expect(ledger.enqueue('demo', 'echo', { text: 1 })).rejects.toMatchObject({ code: 'job_invalid_data' });
  });

  it('follows statuses from demo.done, and a finished row never goes back', async () => {
    const worker = runBigapp(['start', 'demo'], { REDIS_URL: redis.url, BIGAPP_ENV: 'test', BIGAPP_BACKOFF_BASE_MS: '20' });
    procs.push(worker);
    await worker.waitForLine((l) => l.msg === 'ready');
    const failing = await ledger.enqueue('demo', 'fail', { reason: 'nope' }, { maxAttempts: 2 });
    await until(async () => (await ledger.get(failing.id))?.status === 'dead', 15_000, 'dead');
    const dead = await ledger.get(failing.id);
    expect(dead).toMatchObject({ attempts: 2, error: { message: 'nope' } });
    expect(dead!.finished_at).toBeInstanceOf(Date);
    expect(dead!.attempt_log.map((a) => [a.attempt, a.status, a.error?.message])).toEqual([[1, 'retrying', 'nope'], [2, 'dead', 'nope']]);
    expect(dead!.attempt_log[0]!.worker).toMatch(/worker-demo/);
    const applied = await ledger.applyStatus('demo', { v: 1, id: failing.id, type: 'fail', status: 'retrying', attempt: 1, ts: Date.now() });
    expect(applied).toBe(false);
    expect((await ledger.get(failing.id))!.status).toBe('dead');
    await until(async () => (await count('succeeded')) === 1, 10_000, 'the first job');
  });

  it('Redis FLUSHALL in the middle of 2,000 durable jobs: every job reaches succeeded', async () => {
    const before = await count('succeeded');
    const raw = new Redis(redis.url);
    const N = 2_000;
    const ids: string[] = [];
    for (let i = 0; i < N; i += 100) {
      await ledger.transaction(async (_trx, jobs) => {
        for (let k = 0; k < 100; k++) ids.push((await jobs.enqueue('demo', 'echo', { text: `d${i + k}`, delayMs: 3 })).id);
      });
    }
    await until(async () => (await count('succeeded')) - before >= 300, 30_000, '300 succeeded');
    await raw.flushall();
    const atFlush = (await count('succeeded')) - before;
    expect(atFlush).toBeLessThan(N);
    await until(async () => (await count('succeeded')) - before === N, 90_000, 'all 2,000 succeeded after the flush');
    const rows = await handle.db.selectFrom('jobs').select(['id', 'status']).where('id', 'in', ids).execute();
    expect(rows.filter((r) => r.status === 'succeeded')).toHaveLength(N);
    // Nothing tracked remains once every status was consumed.
    await until(async () => (await raw.scard(keys.ledger('demo'))) === 0, 10_000, 'tracking set emptied');
    raw.disconnect();
  });
});
