import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineService, loadConfig, startHost, createLogger, type Host } from '@bigapp/kit';
import { findRedis } from '../support/servers.js';
import { dropServiceKeys, until } from '../support/bus.js';

/** The host: ops endpoints and metrics, on both drivers. */
const redis = await findRedis();
const drivers: [string, string | undefined][] = [['memory', undefined]];
if (redis.url) drivers.push(['redis', redis.url]);
void z;

describe.each(drivers)('host (%s)', (_d, url) => {
  let host: Host | undefined;
  afterEach(async () => {
    await host?.stop();
    host = undefined;
    if (url) await dropServiceKeys(url, 'demo');
  });

  const start = async (n: number) => {
    const svc = defineService({
      name: 'demo',
      kind: 'worker',
      description: 'test',
      jobs: { noop: { handler: async () => null }, echo: { handler: async (d) => { await new Promise((r) => setTimeout(r, d.delayMs ?? 0)); return { text: d.text, length: d.text.length }; } }, fail: { handler: async () => { throw new Error('x'); } } },
      concurrency: n,
      scaling: { minReplicas: 1, maxReplicas: 1 },
    });
    host = await startHost({
      services: [svc],
      config: loadConfig({ BIGAPP_OPS_PORT: '0', BIGAPP_ENV: 'test', ...(url ? { REDIS_URL: url } : {}) }),
      version: 'test',
      log: createLogger({ level: 'silent', pretty: false }),
    });
    return host;
  };

  it('serves /healthz, /readyz and /metrics; metrics count exactly the jobs done', async () => {
    const h = await start(4);
    const base = `http://127.0.0.1:${h.opsPort}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { bus: 'ok' } });
    const N = 137;
    for (let i = 0; i < N; i++) await h.bus.enqueue('demo', 'noop', { n: i });
    await h.bus.enqueue('demo', 'fail', { reason: 'r' }, { maxAttempts: 1 });
    const metric = async (re: RegExp) => Number(re.exec(await (await fetch(`${base}/metrics`)).text())?.[1] ?? NaN);
    await until(async () => (await metric(/bigapp_jobs_done_total\{service="demo",type="noop",status="succeeded"[^}]*\} (\d+)/)) === N, 10_000, 'metrics to show N done');
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/bigapp_jobs_taken_total\{service="demo",type="noop"[^}]*\} 137/);
    expect(text).toMatch(/bigapp_jobs_dead_total\{service="demo",reason="max_attempts"[^}]*\} 1/);
    expect(text).toMatch(/bigapp_job_handler_duration_seconds_count\{[^}]*type="noop",status="succeeded"[^}]*\} 137/);
    expect(text).toMatch(/bigapp_queue_depth\{service="demo",state="dead"[^}]*\} 1/);
    expect(text).toContain('bigapp_process_resident_memory_bytes');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('reports not ready while draining', async () => {
    const h = await start(1);
    const base = `http://127.0.0.1:${h.opsPort}`;
    await h.bus.enqueue('demo', 'echo', { text: 'x', delayMs: 400 });
    await until(async () => (await h.bus.stats('demo')).inflight === 1);
    const stopping = h.stop();
    await new Promise((r) => setTimeout(r, 50));
    const r = await fetch(`${base}/readyz`);
    expect(r.status).toBe(503);
    expect(await r.json()).toMatchObject({ checks: { process: 'draining' } });
    await stopping;
    host = undefined;
  });
});
