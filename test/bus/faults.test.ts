import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createLogger, keys, openBus, type Bus, type Cache, type StatusEnvelope } from '@bigapp/kit';
import { ThrowawayRedis, redisServerAvailable } from '../support/redis-server.js';
import { runBigapp, type Spawned } from '../support/processes.js';
import { until } from '../support/bus.js';

/**
 * Fault tests against real redis-server processes of their own and real
 * worker processes (the compiled `bigapp` CLI). They kill, restart and
 * flood; the machine's shared Redis is never touched.
 */
const available = redisServerAvailable();
if (!available) {
  if (process.env.CI === 'true') throw new Error('CI=true but redis-server is not installed; .ci/run must install it');
  console.warn('\n*** SKIPPED: bus fault tests — redis-server is not installed (apt-get install redis-server). ***\n');
}

const quietLog = createLogger({ level: 'silent', pretty: false });
const workerEnv = (url: string, extra: Record<string, string> = {}) => ({
  REDIS_URL: url,
  BIGAPP_ENV: 'test',
  BIGAPP_HEARTBEAT_MS: '200',
  BIGAPP_CONSUMER_TTL_MS: '1000',
  BIGAPP_BACKOFF_BASE_MS: '50',
  ...extra,
});

async function doneStatuses(r: Redis): Promise<StatusEnvelope[]> {
  return (await r.lrange(keys.done('demo'), 0, -1)).map((s) => JSON.parse(s) as StatusEnvelope);
}

function succeededCounts(statuses: StatusEnvelope[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of statuses) if (s.status === 'succeeded') m.set(s.id, (m.get(s.id) ?? 0) + 1);
  return m;
}

describe.skipIf(!available)('bus under faults (real redis-server, real worker processes)', () => {
  const procs: Spawned[] = [];
  const servers: ThrowawayRedis[] = [];
  const clients: { bus: Bus; cache: Cache }[] = [];
  const raws: Redis[] = [];

  const server = async (persistent = false) => {
    const s = await ThrowawayRedis.start({ persistent });
    servers.push(s);
    return s;
  };
  const producer = (url: string) => {
    const c = openBus({ redisUrl: url, log: quietLog });
    clients.push(c);
    return c.bus;
  };
  const raw = (url: string) => {
    const r = new Redis(url, { maxRetriesPerRequest: null });
    r.on('error', () => undefined); // the restart test drops this connection on purpose
    raws.push(r);
    return r;
  };
  const spawnBigapp = (args: string[], env: Record<string, string>) => {
    const p = runBigapp(args, env);
    procs.push(p);
    return p;
  };

  beforeAll(() => {
    // Spawned workers run the compiled CLI: `npm test` builds first.
  });

  afterAll(async () => {
    for (const p of procs) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
    for (const c of clients) {
      await c.bus.close(0);
      await c.cache.close();
    }
    for (const r of raws) r.disconnect();
    for (const s of servers) await s.destroy();
  });

  it('kill -9 of one of two worker processes mid-run: every job done, duplicates only from in-flight', async () => {
    const redis = await server();
    const CONCURRENCY = 10;
    const PREFETCH = 10;
    const up = spawnBigapp(['up', 'demo', '--scale', 'demo=2'], workerEnv(redis.url, { BIGAPP_CONCURRENCY: String(CONCURRENCY), BIGAPP_PREFETCH: String(PREFETCH) }));
    await until(() => up.lines.filter((l) => l.msg === 'ready').length === 2, 20_000, 'two replicas ready');
    const pids = up.lines.filter((l) => l.msg === 'replica started').map((l) => l.pid as number);
    expect(pids).toHaveLength(2);

    const bus = producer(redis.url);
    const r = raw(redis.url);
    const N = 5_000;
    const ids = new Set<string>();
    for (let i = 0; i < N; i += 500) {
      const batch = await Promise.all([...Array(Math.min(500, N - i)).keys()].map((k) => bus.enqueue('demo', 'echo', { text: String(i + k), delayMs: 5 })));
      for (const b of batch) ids.add(b.id);
    }
    await until(async () => (await r.llen(keys.done('demo'))) >= N * 0.3, 30_000, '30% done');
    const victim = pids[0]!;
    process.kill(victim, 'SIGKILL');
    const killedAt = await r.llen(keys.done('demo'));
    expect(killedAt).toBeLessThan(N);

    await until(async () => succeededCounts(await doneStatuses(r)).size === N, 60_000, 'every job succeeded');
    const counts = succeededCounts(await doneStatuses(r));
    expect([...ids].every((id) => counts.has(id))).toBe(true);
    const duplicates = [...counts.values()].filter((n) => n > 1).length;
    // Only what the killed process held in flight (running plus taken ahead) may run twice.
    expect(duplicates).toBeLessThanOrEqual(CONCURRENCY + PREFETCH);
    expect(await r.llen(keys.dead('demo'))).toBe(0);
    // The supervisor replaced the killed replica.
    await until(() => up.lines.filter((l) => l.msg === 'replica started').length === 3, 10_000, 'replica restarted');
    const st = await bus.stats('demo');
    expect(st).toMatchObject({ queued: 0, inflight: 0 });
    up.proc.kill('SIGTERM');
    expect((await up.exited).code).toBe(0);
  });

  it('redis-server restarted mid-run: the run completes with no intervention', async () => {
    const redis = await server(true);
    const worker = spawnBigapp(['start', 'demo'], workerEnv(redis.url, { BIGAPP_CONCURRENCY: '10' }));
    await worker.waitForLine((l) => l.msg === 'ready');
    const bus = producer(redis.url);
    const r = raw(redis.url);
    const N = 3_000;
    const ids: string[] = [];
    let restarted = false;
    // The producer keeps going through the outage: its pushes wait for the reconnect.
    const producing = (async () => {
      for (let i = 0; i < N; i += 100) {
        const batch = await Promise.all([...Array(100).keys()].map((k) => bus.enqueue('demo', 'echo', { text: String(i + k), delayMs: 2 })));
        ids.push(...batch.map((b) => b.id));
        await new Promise((res) => setTimeout(res, 15));
      }
    })();
    await until(async () => (await r.llen(keys.done('demo'))) >= 600, 30_000, '600 done');
    await redis.restart(700);
    restarted = true;
    await producing;
    await until(async () => succeededCounts(await doneStatuses(r)).size === N, 60_000, 'every job succeeded after the restart');
    const counts = succeededCounts(await doneStatuses(r));
    expect(ids.every((id) => counts.has(id))).toBe(true);
    expect(restarted).toBe(true);
    expect(worker.proc.exitCode).toBeNull();
    expect(worker.lines.some((l) => l.msg === 'redis connection lost; reconnecting')).toBe(true);
    worker.proc.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
  });

  it('1,000 malformed messages among 5,000 valid: valid done, malformed dead with reasons, worker up', async () => {
    const redis = await server();
    const worker = spawnBigapp(['start', 'demo'], workerEnv(redis.url, { BIGAPP_MAX_MESSAGE_BYTES: '65536' }));
    const ready = await worker.waitForLine((l) => l.msg === 'ready');
    const r = raw(redis.url);
    const valid: string[] = [];
    for (let i = 0; i < 5_000; i++) valid.push(JSON.stringify({ v: 1, id: `ok-${i}`, type: 'noop', data: { n: i }, attempt: 1, maxAttempts: 3, ts: Date.now() }));
    const bad: [string, string][] = [];
    for (let i = 0; i < 250; i++) bad.push(['invalid_json', `{"v":1,"id":"bad-${i}",`]);
    for (let i = 0; i < 200; i++) bad.push(['invalid_envelope', JSON.stringify({ v: 1, id: `env-${i}`, type: 'noop', attempt: 'one' })]);
    for (let i = 0; i < 200; i++) bad.push(['unknown_type', JSON.stringify({ v: 1, id: `type-${i}`, type: 'mine', data: {}, attempt: 1, maxAttempts: 3, ts: 1 })]);
    for (let i = 0; i < 200; i++) bad.push(['invalid_data', JSON.stringify({ v: 1, id: `data-${i}`, type: 'echo', data: { text: i }, attempt: 1, maxAttempts: 3, ts: 1 })]);
    for (let i = 0; i < 100; i++) bad.push(['unsupported_version', JSON.stringify({ v: 9, id: `ver-${i}`, type: 'noop', data: {} })]);
    for (let i = 0; i < 50; i++) bad.push(['too_large', JSON.stringify({ v: 1, id: `huge-${i}`, type: 'noop', data: { pad: 'x'.repeat(100_000) }, attempt: 1, maxAttempts: 3, ts: 1 })]);
    const all = [...valid, ...bad.map((b) => b[1])];
    for (let i = all.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    for (let i = 0; i < all.length; i += 200) await r.lpush(keys.queue('demo'), ...all.slice(i, i + 200));

    await until(async () => (await r.llen(keys.dead('demo'))) === 1_000, 60_000, '1,000 dead letters');
    await until(async () => succeededCounts(await doneStatuses(r)).size === 5_000, 60_000, '5,000 succeeded');
    const dead = (await r.lrange(keys.dead('demo'), 0, -1)).map((s) => JSON.parse(s) as { reason: string; error: string });
    const byReason = new Map<string, number>();
    for (const d of dead) byReason.set(d.reason, (byReason.get(d.reason) ?? 0) + 1);
    expect(Object.fromEntries(byReason)).toEqual({ invalid_json: 250, invalid_envelope: 200, unknown_type: 200, invalid_data: 200, unsupported_version: 100, too_large: 50 });
    expect(dead.every((d) => d.error.length > 0)).toBe(true);
    expect(worker.proc.exitCode).toBeNull();
    const health = await fetch(`http://127.0.0.1:${ready.opsPort as number}/healthz`);
    expect(health.status).toBe(200);
    worker.proc.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
  });

  it('SIGTERM with jobs in flight: finishes them within the grace period, exits 0, loses nothing', async () => {
    const redis = await server();
    const worker = spawnBigapp(['start', 'demo'], workerEnv(redis.url, { BIGAPP_CONCURRENCY: '20', BIGAPP_GRACE_MS: '3000' }));
    await worker.waitForLine((l) => l.msg === 'ready');
    const bus = producer(redis.url);
    const r = raw(redis.url);
    const ids = (await Promise.all([...Array(100).keys()].map((i) => bus.enqueue('demo', 'echo', { text: String(i), delayMs: 300 })))).map((x) => x.id);
    await until(async () => (await r.llen(keys.done('demo'))) >= 20, 10_000, 'first jobs done');
    const t0 = Date.now();
    worker.proc.kill('SIGTERM');
    const exit = await worker.exited;
    expect(exit.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(3_000 + 1_500);
    const st = await bus.stats('demo');
    expect(st.inflight).toBe(0);
    const doneNow = succeededCounts(await doneStatuses(r)).size;
    expect(doneNow + st.queued).toBe(100);
    // A new worker takes the rest.
    const second = spawnBigapp(['start', 'demo'], workerEnv(redis.url, { BIGAPP_CONCURRENCY: '50' }));
    await until(async () => succeededCounts(await doneStatuses(r)).size === 100, 20_000, 'all 100 succeeded');
    const counts = succeededCounts(await doneStatuses(r));
    expect(ids.every((id) => counts.get(id) === 1)).toBe(true);
    second.proc.kill('SIGTERM');
    await second.exited;
  });

  it('SIGTERM with jobs longer than the grace period: hands them back and exits in time', async () => {
    const redis = await server();
    const worker = spawnBigapp(['start', 'demo'], workerEnv(redis.url, { BIGAPP_CONCURRENCY: '10', BIGAPP_GRACE_MS: '300' }));
    await worker.waitForLine((l) => l.msg === 'ready');
    const bus = producer(redis.url);
    const r = raw(redis.url);
    await Promise.all([...Array(10).keys()].map((i) => bus.enqueue('demo', 'echo', { text: String(i), delayMs: 30_000 })));
    await until(async () => (await bus.stats('demo')).inflight === 10, 10_000, 'ten in flight');
    const t0 = Date.now();
    worker.proc.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(300 + 2_500);
    const st = await bus.stats('demo');
    expect(st).toMatchObject({ queued: 10, inflight: 0 });
    expect(await r.llen(keys.done('demo'))).toBe(0);
    expect(worker.lines.find((l) => l.msg === 'stopped')).toMatchObject({ handedBack: 10 });
  });

  it('SIGTERM while Redis is down: exits 0 within the grace period (the reaper returns what it held later)', async () => {
    const redis = await server();
    const worker = spawnBigapp(['start', 'demo'], workerEnv(redis.url, { BIGAPP_GRACE_MS: '3000' }));
    await worker.waitForLine((l) => l.msg === 'ready');
    await redis.stop('SIGKILL');
    await worker.waitForLine((l) => l.msg === 'redis connection lost; reconnecting');
    const t0 = Date.now();
    worker.proc.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(3_000 + 3_000);
  });
});
