import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, runBigapp } from '../support/processes.js';
import { ThrowawayRedis, redisServerAvailable } from '../support/redis-server.js';

/** The compiled `bigapp` command, as an operator runs it. */
const run = promisify(execFile);
const bigapp = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_FORMAT: 'json', ...env }, timeout: 30_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('bigapp CLI', () => {
  it('has --help on every command', async () => {
    for (const cmd of [[], ['start'], ['up'], ['queues'], ['enqueue'], ['dead'], ['k8s'], ['images']]) {
      const r = await bigapp([...cmd, '--help']);
      expect(r.code, `bigapp ${cmd.join(' ')} --help`).toBe(0);
      expect(r.stdout).toContain('Usage: bigapp');
    }
  });

  it('stops start-up on bad configuration with the variable named, no stack trace', async () => {
    const r = await bigapp(['start'], { BIGAPP_OPS_PORT: 'ninety', REDIS_URL: 'localhost:6379' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('BIGAPP_OPS_PORT: expected an integer from 0 to 65535, got "ninety"');
    expect(r.stderr).toContain('REDIS_URL: expected a URL like redis://');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses an unknown service and bigapp up without REDIS_URL', async () => {
    expect((await bigapp(['start', 'nope'], { BIGAPP_OPS_PORT: '0' })).stderr).toContain('unknown service nope');
    const up = await bigapp(['up'], { REDIS_URL: '' });
    expect(up.code).toBe(2);
    expect(up.stderr).toContain('set REDIS_URL');
  });

  it('starts all services on embedded defaults and stops cleanly on SIGINT', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bigapp-cli-start-'));
    const p = runBigapp(['start'], { REDIS_URL: '', DATABASE_URL: '', BIGAPP_DEMO_TICK_MS: '100', BIGAPP_ENV: 'dev', BIGAPP_HTTP_PORT: '0', BIGAPP_DATA_DIR: dataDir });
    try {
      await p.waitForLine((l) => l.msg === 'ready', 60_000);
      await p.waitForLine((l) => l.msg === 'demo job round trip' && l.status === 'succeeded');
      p.proc.kill('SIGINT');
      expect((await p.exited).code).toBe(0);
      expect(p.lines.some((l) => l.msg === 'stopped')).toBe(true);
    } finally {
      if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!redisServerAvailable())('bigapp CLI on Redis', () => {
  let redis: ThrowawayRedis;
  const procs: { proc: { kill(s: string): boolean } }[] = [];
  afterAll(async () => {
    // Even when an assertion failed half-way, no worker outlives the test.
    for (const p of procs) p.proc.kill('SIGKILL');
    await redis?.destroy();
  });

  it('enqueue, queues, dead list / retry / purge', async () => {
    redis = await ThrowawayRedis.start();
    const env = { REDIS_URL: redis.url, BIGAPP_ENV: 'test', BIGAPP_BACKOFF_BASE_MS: '10' };
    const bad = await bigapp(['enqueue', 'demo', 'echo', '{"text": 5}'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('[job_invalid_data]');
    expect((await bigapp(['enqueue', 'demo', 'echo', 'not json'], env)).stderr).toContain('not valid JSON');
    const e = await bigapp(['enqueue', 'demo', 'echo', '{"text":"hi"}'], env);
    expect(JSON.parse(e.stdout)).toMatchObject({ enqueued: true });
    await bigapp(['enqueue', 'demo', 'fail', '{"reason":"no"}', '--max-attempts', '1'], env);
    let q = JSON.parse((await bigapp(['queues', '--json'], env)).stdout) as { service: string; queued: number }[];
    expect(q.find((x) => x.service === 'demo')!.queued).toBe(2);
    expect((await bigapp(['queues'], env)).stdout).toMatch(/^service\s+queued/);

    const worker = runBigapp(['start', 'demo'], env);
    procs.push(worker);
    await worker.waitForLine((l) => l.msg === 'ready');
    const waited = await bigapp(['enqueue', 'demo', 'echo', '{"text":"sync"}', '--wait', '5000'], env);
    expect(JSON.parse(waited.stdout)).toMatchObject({ status: 'succeeded', result: { text: 'sync', length: 4 } });
    const listed = await bigapp(['dead', 'list', 'demo', '--json'], env);
    if (listed.code !== 0) throw new Error(`dead list failed: ${listed.stderr}`);
    const list = JSON.parse(listed.stdout) as { reason: string }[];
    expect(list.map((d) => d.reason)).toEqual(['max_attempts']);
    const retry = JSON.parse((await bigapp(['dead', 'retry', 'demo'], env)).stdout) as { retried: number };
    expect(retry.retried).toBe(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(JSON.parse((await bigapp(['dead', 'purge', 'demo'], env)).stdout)).toEqual({ purged: 1 });
    q = JSON.parse((await bigapp(['queues', '--json', 'demo'], env)).stdout);
    expect(q[0]).toMatchObject({ queued: 0, dead: 0 });
    expect((await bigapp(['dead', 'explode', 'demo'], env)).stderr).toContain('unknown action');
    worker.proc.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
  });
});
