import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, openBus, type StatusEnvelope } from '@bigapp/kit';
import { ThrowawayRedis, redisServerAvailable } from '../support/redis-server.js';
import { runBigapp, type Spawned } from '../support/processes.js';
import { until } from '../support/bus.js';

/**
 * The bus contract is joinable from any language: a Python client using only
 * its standard library produces jobs for a bigapp worker, and works jobs that
 * bigapp enqueued, exactly as docs/protocol.md describes.
 */
const run = promisify(execFile);
const client = fileURLToPath(new URL('./foreign_client.py', import.meta.url));
const python = await run('python3', ['--version']).then(() => true, () => false);
const ok = python && redisServerAvailable();
if (!ok) {
  if (process.env.CI === 'true') throw new Error('CI=true but python3 or redis-server is missing; .ci/run must install them');
  console.warn('\n*** SKIPPED: interop tests — python3 or redis-server is not installed. ***\n');
}

describe.skipIf(!ok)('a foreign (Python) client on the bus', () => {
  let redis: ThrowawayRedis;
  const procs: Spawned[] = [];
  afterAll(async () => {
    for (const p of procs) p.proc.kill('SIGKILL');
    await redis?.destroy();
  });

  it('produces jobs a bigapp worker runs, and reads their statuses from <service>.done', async () => {
    redis = await ThrowawayRedis.start();
    const worker = runBigapp(['start', 'demo'], { REDIS_URL: redis.url, BIGAPP_ENV: 'test' });
    procs.push(worker);
    await worker.waitForLine((l) => l.msg === 'ready');
    const { stdout } = await run('python3', [client, 'produce', '127.0.0.1', String(redis.port), 'demo', '40'], { timeout: 90_000 });
    const out = JSON.parse(stdout) as { ids: string[]; statuses: Record<string, { status: string; result: { text: string; length: number } }> };
    expect(out.ids).toHaveLength(40);
    for (const [i, id] of out.ids.entries()) {
      expect(out.statuses[id]).toEqual({ status: 'succeeded', result: { text: `from python ${i}`, length: `from python ${i}`.length } });
    }
  });

  it('takes jobs bigapp enqueued and writes statuses bigapp\'s done consumer reads', async () => {
    const { bus, cache } = openBus({ redisUrl: redis.url, log: createLogger({ level: 'silent', pretty: false }) });
    // Only the Python worker takes demo jobs in this test.
    for (const p of procs) p.proc.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exited));
    const seen = new Map<string, StatusEnvelope>();
    await bus.consumeDone('demo', (s) => { seen.set(s.id, s); });
    const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const ids = (await Promise.all([...Array(30).keys()].map((i) => bus.enqueue('demo', 'echo', { text: `job ${i}` }, { traceparent: tp })))).map((r) => r.id);
    const { stdout } = await run('python3', [client, 'work', '127.0.0.1', String(redis.port), 'demo', '30'], { timeout: 90_000 });
    expect((JSON.parse(stdout) as { processed: string[] }).processed.sort()).toEqual([...ids].sort());
    await until(() => ids.every((id) => seen.has(id)), 10_000, 'statuses consumed by bigapp');
    for (const [i, id] of ids.entries()) {
      expect(seen.get(id)).toMatchObject({ status: 'succeeded', result: { text: `job ${i}`, length: `job ${i}`.length }, traceparent: tp });
    }
    const st = await bus.stats('demo');
    expect(st).toMatchObject({ queued: 0, inflight: 0 });
    await bus.close();
    await cache.close();
  });
});
