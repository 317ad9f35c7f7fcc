import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob } from '@bigapp/contracts';
import { backoffMs, childTraceparent, classify, isTraceparent, loadConfig, ConfigError, validateDeclaration, type ServiceDeclaration } from '@bigapp/kit';
import { parseScale } from '../../packages/cli/src/commands/up.js';
import { formatTable } from '../../packages/cli/src/commands/queues.js';

describe('backoff', () => {
  it('doubles per attempt within [ceiling/2, ceiling] and caps', () => {
    expect(backoffMs(1, 100, 10_000, () => 0)).toBe(50);
    expect(backoffMs(1, 100, 10_000, () => 1)).toBe(100);
    expect(backoffMs(4, 100, 10_000, () => 1)).toBe(800);
    expect(backoffMs(30, 100, 10_000, () => 1)).toBe(10_000);
    expect(backoffMs(30, 100, 10_000, () => 0)).toBe(5_000);
  });
});

describe('traceparent', () => {
  it('continues a valid trace with a new span and starts one otherwise', () => {
    const p = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const c = childTraceparent(p);
    expect(c.slice(0, 36)).toBe(p.slice(0, 36));
    expect(c.slice(36, 52)).not.toBe(p.slice(36, 52));
    expect(isTraceparent(childTraceparent())).toBe(true);
    expect(isTraceparent('00-00000000000000000000000000000000-b7ad6b7169203331-01')).toBe(false);
    expect(isTraceparent('garbage')).toBe(false);
  });
});

describe('classify', () => {
  const contract = defineJob({ description: '', data: z.object({ n: z.number() }), result: z.null() });
  const find = (t: string) => (t === 'x' ? contract : undefined);
  const env = (o: object) => JSON.stringify({ v: 1, id: 'i', type: 'x', data: { n: 1 }, attempt: 1, maxAttempts: 2, ts: 1, ...o });
  it('accepts a valid envelope and ignores unknown fields', () => {
    const c = classify(env({ future: true }), 'svc', 1000, find);
    expect(c.ok).toBe(true);
  });
  it.each([
    ['{', 'invalid_json'],
    ['null', 'invalid_envelope'],
    ['"str"', 'invalid_envelope'],
    [env({ v: 2 }), 'unsupported_version'],
    [env({ attempt: 0 }), 'invalid_envelope'],
    [env({ type: 'y' }), 'unknown_type'],
    [env({ data: { n: 'a' } }), 'invalid_data'],
    [env({ service: 'other' }), 'invalid_envelope'],
    [env({ data: { n: 1, pad: 'x'.repeat(2000) } }), 'too_large'],
  ])('dead-letters %s as %s', (raw, reason) => {
    const c = classify(raw, 'svc', 1000, find);
    expect(c.ok).toBe(false);
    if (!c.ok) {
      expect(c.reason).toBe(reason);
      expect(c.error.length).toBeGreaterThan(5);
    }
  });
});

describe('config', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ env: 'dev', redisUrl: undefined, ops: { port: 9400 }, graceMs: 25_000 });
    expect(c.dataDir.endsWith('.data')).toBe(true);
  });
  it('names every bad variable and the expected form', () => {
    try {
      loadConfig({ BIGAPP_OPS_PORT: 'abc', REDIS_URL: 'http://x', BIGAPP_ENV: 'production' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const m = (err as Error).message;
      expect(m).toContain('BIGAPP_OPS_PORT: expected an integer from 0 to 65535, got "abc"');
      expect(m).toContain('REDIS_URL: expected a URL like redis://');
      expect(m).toContain('BIGAPP_ENV: expected one of dev, test, stage, prod, got "production"');
    }
  });
  it('treats empty values as unset and checks heartbeat against the consumer TTL', () => {
    expect(loadConfig({ REDIS_URL: '' }).redisUrl).toBeUndefined();
    expect(() => loadConfig({ BIGAPP_HEARTBEAT_MS: '5000', BIGAPP_CONSUMER_TTL_MS: '4000' })).toThrow(/BIGAPP_CONSUMER_TTL_MS/);
  });
});

describe('service declarations', () => {
  const base: ServiceDeclaration = { name: 'demo', kind: 'worker', description: '', scaling: { minReplicas: 1, maxReplicas: 2 } };
  it('accepts a valid one', () => expect(() => validateDeclaration(base)).not.toThrow());
  it.each([
    [{ name: 'Bad_Name' }, /DNS label/],
    [{ scaling: { minReplicas: 3, maxReplicas: 2 } }, /greater than maxReplicas/],
    [{ kind: 'singleton', scaling: { minReplicas: 1, maxReplicas: 2 } }, /singleton/],
    [{ jobs: { nope: { handler: async () => null } } }, /no contract/],
    [{ concurrency: 0 }, /concurrency/],
  ])('refuses %o', (patch, msg) => {
    expect(() => validateDeclaration({ ...base, ...(patch as object) } as ServiceDeclaration)).toThrow(msg);
  });
});

describe('cli helpers', () => {
  it('parses --scale and refuses bad specs', () => {
    expect(parseScale(['demo=3'], ['demo'])).toEqual(new Map([['demo', 3]]));
    expect(() => parseScale(['demo'], ['demo'])).toThrow(/service=N/);
    expect(() => parseScale(['web=2'], ['demo'])).toThrow(/unknown service web/);
  });
  it('formats the queues table', () => {
    const t = formatTable([{ service: 'demo', queued: 5, inflight: 2, delayed: 1, dead: 0, done: 10, consumers: [{ id: 'a', alive: true, inflight: 2 }, { id: 'b', alive: false, inflight: 0 }] }]);
    expect(t.split('\n')[1]).toMatch(/^demo\s+5\s+2\s+1\s+0\s+10\s+1\/2$/);
  });
});
