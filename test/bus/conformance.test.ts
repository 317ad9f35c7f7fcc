import { afterEach, describe, expect, it } from 'vitest';
import { JobFailure, keys, type StatusEnvelope } from '@bigapp/kit';
import { findRedis } from '../support/servers.js';
import { dropServiceKeys, makeBus, until, type TestBus } from '../support/bus.js';

/**
 * One suite, two drivers: the in-process bus of `npm start` must behave as
 * the Redis bus does. Every test gets a fresh service name, so its keys are
 * its own even on a shared Redis.
 */
const redis = await findRedis();
const drivers: [string, string | undefined][] = [['memory', undefined]];
if (redis.url) drivers.push(['redis', redis.url]);

const statuses = async (t: TestBus) => (await t.bus.transport.range(keys.done(t.service), 0, -1)).map((s) => JSON.parse(s) as StatusEnvelope).reverse();
const deadEntries = async (t: TestBus) => (await t.bus.transport.range(keys.dead(t.service), 0, -1)).map((s) => JSON.parse(s) as { reason: string; error: string; id?: string; raw: string });

describe.each(drivers)('bus conformance (%s)', (_driver, url) => {
  const open: TestBus[] = [];
  const bus = (settings = {}) => {
    const t = makeBus(url, settings);
    open.push(t);
    return t;
  };
  afterEach(async () => {
    for (const t of open.splice(0)) {
      await t.close();
      if (url) await dropServiceKeys(url, t.service);
    }
  });

  it('runs a job and writes its status to <service>.done', async () => {
    const t = bus();
    const { id } = await t.bus.enqueue(t.service, 'echo', { text: 'hi' });
    await t.bus.work({ service: t.service, concurrency: 1, handlers: { echo: { handler: async (d: { text: string }) => ({ text: d.text.toUpperCase() }) } } });
    await until(async () => (await statuses(t)).length === 1);
    const [s] = await statuses(t);
    expect(s).toMatchObject({ v: 1, id, type: 'echo', status: 'succeeded', attempt: 1, result: { text: 'HI' }, service: t.service });
    expect(typeof s!.durationMs).toBe('number');
    const st = await t.bus.stats(t.service);
    expect(st).toMatchObject({ queued: 0, inflight: 0, done: 1, dead: 0 });
  });

  it('keeps FIFO order at concurrency 1', async () => {
    const t = bus();
    const seen: number[] = [];
    for (let i = 0; i < 50; i++) await t.bus.enqueue(t.service, 'noop', { n: i });
    await t.bus.work({ service: t.service, concurrency: 1, handlers: { noop: { handler: async (d: { n: number }) => { seen.push(d.n); return null; } } } });
    await until(() => seen.length === 50);
    expect(seen).toEqual([...Array(50).keys()]);
  });

  it('refuses invalid data and unknown types at enqueue, naming the field', async () => {
    const t = bus();
    await expect(t.bus.enqueue(t.service, 'echo', { text: 5 })).rejects.toMatchObject({ code: 'job_invalid_data', message: expect.stringContaining('text') });
    await expect(t.bus.enqueue(t.service, 'echo', { text: 'a', extra: 1 })).rejects.toMatchObject({ code: 'job_invalid_data' });
    await expect(t.bus.enqueue(t.service, 'nope', {})).rejects.toMatchObject({ code: 'job_unknown_type' });
    expect((await t.bus.stats(t.service)).queued).toBe(0);
  });

  it('dead-letters malformed messages with a reason and keeps working', async () => {
    const t = bus({ maxMessageBytes: 10_000 });
    const q = { kind: 'list' as const, key: keys.queue(t.service), end: 'back' as const };
    const good = JSON.stringify({ v: 1, id: 'ok-1', type: 'noop', data: {}, attempt: 1, maxAttempts: 3, ts: Date.now() });
    await t.bus.transport.push(q, [
      'not json {',
      '[]',
      JSON.stringify({ v: 1, id: 'x1', type: 'noop' }),
      JSON.stringify({ v: 1, id: 'x2', type: 'missing', data: {}, attempt: 1, maxAttempts: 3, ts: 1 }),
      JSON.stringify({ v: 1, id: 'x3', type: 'echo', data: { text: 7 }, attempt: 1, maxAttempts: 3, ts: 1 }),
      JSON.stringify({ v: 2, id: 'x4', type: 'noop', data: {}, attempt: 1, maxAttempts: 3, ts: 1 }),
      JSON.stringify({ v: 1, id: 'x5', type: 'noop', data: { pad: 'x'.repeat(20_000) }, attempt: 1, maxAttempts: 3, ts: 1 }),
      good,
    ]);
    await t.bus.work({ service: t.service, concurrency: 4, handlers: { noop: { handler: async () => null }, echo: { handler: async (d: { text: string }) => d } } });
    await until(async () => (await deadEntries(t)).length === 7 && (await statuses(t)).some((s) => s.id === 'ok-1'));
    const reasons = (await deadEntries(t)).map((d) => d.reason).sort();
    expect(reasons).toEqual(['invalid_data', 'invalid_envelope', 'invalid_envelope', 'invalid_json', 'too_large', 'unknown_type', 'unsupported_version'].sort());
    const big = (await deadEntries(t)).find((d) => d.reason === 'too_large')!;
    expect(big.raw.length).toBeLessThan(5_000);
    // Jobs with a readable id also get a `dead` status, so a requester waiting on them is told.
    const st = await statuses(t);
    expect(st.filter((s) => s.status === 'dead').map((s) => s.id).sort()).toEqual(['x1', 'x2', 'x3', 'x4']);
    expect(st.find((s) => s.id === 'ok-1')!.status).toBe('succeeded');
  });

  it('retries a throwing handler with growing backoff, then dead-letters it', async () => {
    const t = bus({ backoffBaseMs: 40, backoffMaxMs: 10_000 });
    const times: number[] = [];
    const { id } = await t.bus.enqueue(t.service, 'boom', {}, { maxAttempts: 4 });
    await t.bus.work({ service: t.service, concurrency: 2, handlers: { boom: { handler: async () => { times.push(Date.now()); throw new Error('kaput'); } } } });
    await until(async () => (await deadEntries(t)).length === 1, 15_000);
    expect(times).toHaveLength(4);
    const gaps = times.slice(1).map((x, i) => x - times[i]!);
    // Full jitter draws from [ceiling/2, ceiling]: 20-40, 40-80, 80-160 ms (plus promotion tick).
    expect(gaps[0]).toBeGreaterThanOrEqual(18);
    expect(gaps[2]).toBeGreaterThanOrEqual(78);
    const st = (await statuses(t)).filter((s) => s.id === id);
    expect(st.map((s) => s.status)).toEqual(['retrying', 'retrying', 'retrying', 'dead']);
    expect(st.map((s) => s.attempt)).toEqual([1, 2, 3, 4]);
    expect(st[3]!.error).toMatchObject({ message: 'kaput' });
    const [d] = await deadEntries(t);
    expect(d).toMatchObject({ reason: 'max_attempts', id });
    expect(d!.error).toContain('kaput');
  });

  it('counts a handler that hangs past its timeout as failed, aborts its signal, and dead-letters it', async () => {
    const t = bus({ backoffBaseMs: 10 });
    let aborted = 0;
    const { id } = await t.bus.enqueue(t.service, 'hang', {}, { maxAttempts: 2 });
    await t.bus.work({
      service: t.service,
      concurrency: 1,
      handlers: { hang: { timeoutMs: 100, handler: (_d: unknown, ctx) => new Promise(() => ctx.signal.addEventListener('abort', () => aborted++)) } },
    });
    await until(async () => (await deadEntries(t)).length === 1, 10_000);
    const st = (await statuses(t)).filter((s) => s.id === id);
    expect(st.map((s) => s.status)).toEqual(['retrying', 'dead']);
    expect(st[1]!.error!.code).toBe('job_timeout');
    expect(aborted).toBe(2);
  });

  it('ends a permanent JobFailure as failed without retrying', async () => {
    const t = bus();
    let runs = 0;
    const { id } = await t.bus.enqueue(t.service, 'refuse', {});
    await t.bus.work({ service: t.service, concurrency: 1, handlers: { refuse: { handler: async () => { runs++; throw new JobFailure('corrupt_input', 'cannot read this'); } } } });
    await until(async () => (await statuses(t)).length === 1);
    const [s] = await statuses(t);
    expect(s).toMatchObject({ id, status: 'failed', error: { code: 'corrupt_input', message: 'cannot read this' } });
    await new Promise((r) => setTimeout(r, 200));
    expect(runs).toBe(1);
    expect((await deadEntries(t)).length).toBe(0);
  });

  it('delays a job until its time', async () => {
    const t = bus();
    let ranAt = 0;
    const start = Date.now();
    await t.bus.enqueue(t.service, 'noop', {}, { delayMs: 400 });
    expect((await t.bus.stats(t.service)).delayed).toBe(1);
    await t.bus.work({ service: t.service, concurrency: 1, handlers: { noop: { handler: async () => { ranAt = Date.now(); return null; } } } });
    await until(() => ranAt > 0);
    expect(ranAt - start).toBeGreaterThanOrEqual(395);
  });

  it('takes high-priority jobs before those already queued', async () => {
    const t = bus();
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) await t.bus.enqueue(t.service, 'noop', { n: i });
    await t.bus.enqueue(t.service, 'noop', { n: 99 }, { priority: 'high' });
    await t.bus.work({ service: t.service, concurrency: 1, handlers: { noop: { handler: async (d: { n: number }) => { seen.push(d.n); return null; } } } });
    await until(() => seen.length === 6);
    expect(seen).toEqual([99, 0, 1, 2, 3, 4]);
  });

  it('does not queue a duplicate idempotency key within the window', async () => {
    const t = bus();
    const a = await t.bus.enqueue(t.service, 'noop', { n: 1 }, { idempotencyKey: 'upload-7' });
    const b = await t.bus.enqueue(t.service, 'noop', { n: 1 }, { idempotencyKey: 'upload-7' });
    const c = await t.bus.enqueue(t.service, 'noop', { n: 1 }, { idempotencyKey: 'upload-8' });
    expect(a.enqueued).toBe(true);
    expect(b).toEqual({ id: a.id, enqueued: false });
    expect(c.enqueued).toBe(true);
    expect((await t.bus.stats(t.service)).queued).toBe(2);
    const short = await t.bus.enqueue(t.service, 'noop', {}, { idempotencyKey: 'k', idempotencyWindowMs: 50 });
    await new Promise((r) => setTimeout(r, 80));
    expect((await t.bus.enqueue(t.service, 'noop', {}, { idempotencyKey: 'k' })).id).not.toBe(short.id);
  });

  it('answers request/response with waitFor, in order and on failure, and times out cleanly', async () => {
    const t = bus();
    // On Redis, another "process" with its own connections; the in-process bus is one per process.
    const waiter = url ? makeBus(url, {}, t.service) : t;
    if (waiter !== t) open.push(waiter);
    await t.bus.work({ service: t.service, concurrency: 8, handlers: {
      echo: { handler: async (d: { text: string }) => ({ text: `re:${d.text}` }) },
      refuse: { handler: async () => { throw new JobFailure('nope', 'refused'); } },
    } });
    const r = await waiter.bus.request(t.service, 'echo', { text: 'ping' }, { waitMs: 5_000 });
    expect(r).toMatchObject({ status: 'succeeded', result: { text: 're:ping' } });
    const many = await Promise.all([...Array(20).keys()].map((i) => waiter.bus.request(t.service, 'echo', { text: String(i) })));
    expect(many.map((m) => (m.result as { text: string }).text)).toEqual([...Array(20).keys()].map((i) => `re:${i}`));
    expect(await waiter.bus.request(t.service, 'refuse', {})).toMatchObject({ status: 'failed', error: { code: 'nope' } });
    // A status written before waitFor subscribed is still found.
    const { id } = await t.bus.enqueue(t.service, 'echo', { text: 'late' }, { reply: true });
    await until(async () => (await statuses(t)).some((s) => s.id === id));
    expect(await waiter.bus.waitFor(t.service, id, 2_000)).toMatchObject({ id, status: 'succeeded' });
    await expect(waiter.bus.waitFor(t.service, 'no-such-job', 150)).rejects.toMatchObject({ code: 'timeout' });
  });

  it('delivers statuses to a done consumer at least once, again after its handler throws', async () => {
    const t = bus();
    await t.bus.work({ service: t.service, concurrency: 4, handlers: { noop: { handler: async () => null } } });
    const seen = new Map<string, number>();
    let failOnce = true;
    await t.bus.consumeDone(t.service, async (s) => {
      if (failOnce && s.status === 'succeeded') {
        failOnce = false;
        throw new Error('database briefly down');
      }
      seen.set(s.id, (seen.get(s.id) ?? 0) + 1);
    });
    const ids = [];
    for (let i = 0; i < 30; i++) ids.push((await t.bus.enqueue(t.service, 'noop', { n: i })).id);
    await until(() => ids.every((id) => seen.has(id)), 10_000, 'all statuses consumed');
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    await until(async () => (await t.bus.stats(t.service)).done === 0, 5_000, 'done list emptied');
  });

  it('returns the in-flight jobs of a consumer whose heartbeat stopped', async () => {
    const t = bus();
    const src = keys.jobSource(t.service);
    for (let i = 0; i < 10; i++) await t.bus.enqueue(t.service, 'noop', { n: i });
    // A consumer that took 6 jobs and then died: registered, heartbeat about to expire.
    await t.bus.transport.heartbeat(src, 'ghost', '{}', 150);
    const { taken } = await t.bus.transport.step(src, 'ghost', { done: keys.done(t.service), dead: keys.dead(t.service), delayed: keys.delayed(t.service), resultPrefix: keys.resultPrefix(t.service), resultsChannel: keys.resultsChannel(t.service) }, [], 6);
    expect(taken).toHaveLength(6);
    expect((await t.bus.stats(t.service)).inflight).toBe(6);
    const seen: number[] = [];
    await t.bus.work({ service: t.service, concurrency: 2, handlers: { noop: { handler: async (d: { n: number }) => { seen.push(d.n); return null; } } } });
    await until(() => seen.length === 10, 10_000, 'all 10 jobs, 6 of them reaped');
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    const st = await t.bus.stats(t.service);
    expect(st.consumers.map((c) => c.id)).not.toContain('ghost');
  });

  it('hands back messages a lost take reply left in its own in-flight list', async () => {
    const t = bus();
    const seen: number[] = [];
    const c = await t.bus.work({ service: t.service, concurrency: 4, handlers: { noop: { handler: async (d: { n: number }) => { seen.push(d.n); return null; } } } });
    await t.bus.stopConsumer(c, 0).catch(() => undefined); // stop it taking, then simulate on a live one
    const live = await t.bus.work({ service: t.service, concurrency: 4, handlers: { noop: { handler: async (d: { n: number }) => { seen.push(d.n); return null; } } } });
    // As if Redis ran a take for `live` but the reply never reached it: parked under its live id.
    await t.bus.transport.push({ kind: 'list', key: keys.inflight(keys.jobSource(t.service), live.id), end: 'back' }, [
      JSON.stringify({ v: 1, id: 'o1', type: 'noop', data: { n: 1 }, attempt: 1, maxAttempts: 3, ts: 1 }),
      JSON.stringify({ v: 1, id: 'o2', type: 'noop', data: { n: 2 }, attempt: 1, maxAttempts: 3, ts: 1 }),
    ]);
    await until(() => seen.length === 2, 10_000, 'orphans handed back and run');
    expect(seen.sort()).toEqual([1, 2]);
  });

  it('only one reaper acts at a time', async () => {
    const t = bus();
    const src = keys.jobSource(t.service);
    expect(await t.bus.transport.reap(src, 'a', 1_000)).not.toBeNull();
    expect(await t.bus.transport.reap(src, 'b', 1_000)).toBeNull();
    expect(await t.bus.transport.reap(src, 'a', 1_000)).not.toBeNull();
  });

  it('never runs more handlers at once than its concurrency', async () => {
    const t = bus();
    let running = 0;
    let peak = 0;
    for (let i = 0; i < 60; i++) await t.bus.enqueue(t.service, 'noop', { n: i });
    let done = 0;
    await t.bus.work({ service: t.service, concurrency: 7, handlers: { noop: { handler: async () => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      done++;
      return null;
    } } } });
    await until(() => done === 60);
    expect(peak).toBe(7);
  });

  it('with prefetch: FIFO at concurrency 1, never more handlers than the concurrency, all done', async () => {
    const t = bus();
    const seen: number[] = [];
    let running = 0;
    let peak = 0;
    for (let i = 0; i < 200; i++) await t.bus.enqueue(t.service, 'noop', { n: i });
    await t.bus.work({ service: t.service, concurrency: 1, prefetch: 16, handlers: { noop: { handler: async (d: { n: number }) => {
      peak = Math.max(peak, ++running);
      seen.push(d.n);
      await new Promise((r) => setImmediate(r));
      running--;
      return null;
    } } } });
    await until(async () => (await t.bus.stats(t.service)).done === 200);
    expect(seen).toEqual([...Array(200).keys()]);
    expect(peak).toBe(1);
    expect(await t.bus.stats(t.service)).toMatchObject({ queued: 0, inflight: 0 });
  });

  it('with prefetch: stop hands back the jobs taken ahead and the unfinished, nothing lost', async () => {
    const t = bus();
    for (let i = 0; i < 20; i++) await t.bus.enqueue(t.service, 'echo', { text: String(i), delayMs: 5_000 });
    let started = 0;
    const c = await t.bus.work({ service: t.service, concurrency: 2, prefetch: 6, handlers: { echo: { handler: async (d: { text: string; delayMs: number }, ctx) => {
      started++;
      await new Promise((r) => { const tm = setTimeout(r, d.delayMs); ctx.signal.addEventListener('abort', () => { clearTimeout(tm); r(null); }); });
      return { text: d.text };
    } } } });
    await until(async () => started === 2 && (await t.bus.stats(t.service)).inflight === 8);
    expect((await t.bus.stats(t.service)).queued).toBe(12);
    const r = await t.bus.stopConsumer(c, 50);
    expect(r.handedBack).toBe(8);
    expect(await t.bus.stats(t.service)).toMatchObject({ queued: 20, inflight: 0, done: 0 });
  });

  it('drains on stop: finishes in-flight work within the grace period', async () => {
    const t = bus();
    for (let i = 0; i < 4; i++) await t.bus.enqueue(t.service, 'echo', { text: String(i), delayMs: 150 });
    let started = 0;
    const c = await t.bus.work({ service: t.service, concurrency: 4, handlers: { echo: { handler: async (d: { text: string; delayMs: number }) => { started++; await new Promise((r) => setTimeout(r, d.delayMs)); return { text: d.text }; } } } });
    await until(() => started === 4);
    const r = await t.bus.stopConsumer(c, 2_000);
    expect(r.finished).toBe(4);
    const st = await t.bus.stats(t.service);
    expect(st).toMatchObject({ queued: 0, inflight: 0, done: 4 });
  });

  it('hands back what cannot finish within the grace period; nothing is lost', async () => {
    const t = bus();
    for (let i = 0; i < 6; i++) await t.bus.enqueue(t.service, 'echo', { text: String(i), delayMs: 2_000 });
    let started = 0;
    const c = await t.bus.work({ service: t.service, concurrency: 3, handlers: { echo: { handler: async (d: { text: string; delayMs: number }, ctx) => {
      started++;
      await new Promise((r) => { const tm = setTimeout(r, d.delayMs); ctx.signal.addEventListener('abort', () => { clearTimeout(tm); r(null); }); });
      return { text: d.text };
    } } } });
    await until(() => started === 3);
    const t0 = Date.now();
    const r = await t.bus.stopConsumer(c, 100);
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect(r.handedBack).toBe(3);
    const st = await t.bus.stats(t.service);
    expect(st).toMatchObject({ queued: 6, inflight: 0, done: 0 });
    expect(st.consumers).toHaveLength(0);
    // The handed-back jobs run again, unchanged (first attempt), on the next worker.
    const again: string[] = [];
    await t.bus.work({ service: t.service, concurrency: 6, handlers: { echo: { handler: async (d: { text: string }, ctx) => { again.push(`${d.text}@${ctx.attempt}`); return { text: d.text }; } } } });
    await until(() => again.length === 6);
    expect(again.sort()).toEqual(['0@1', '1@1', '2@1', '3@1', '4@1', '5@1']);
  });

  it('carries the W3C traceparent from enqueue to handler to status', async () => {
    const t = bus();
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    let seen = '';
    const { id } = await t.bus.enqueue(t.service, 'noop', {}, { traceparent: tp });
    await t.bus.enqueue(t.service, 'noop', {}, { traceparent: 'garbage' });
    await t.bus.work({ service: t.service, concurrency: 1, handlers: { noop: { handler: async (_d: unknown, ctx) => { if (ctx.jobId === id) seen = ctx.traceparent; return null; } } } });
    await until(async () => (await statuses(t)).length === 2);
    expect(seen).toBe(tp);
    const st = await statuses(t);
    expect(st[0]!.traceparent).toBe(tp);
    // An invalid one is replaced by a fresh trace, never passed on.
    expect(st[1]!.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('publishes typed events and drops malformed ones', async () => {
    const t = bus();
    const got: unknown[] = [];
    const unsub = await t.bus.subscribe('demo.echoed', (p) => got.push(p));
    await t.bus.publish('demo.echoed', { jobId: 'j1', text: 'hello' });
    await t.bus.transport.publish(keys.event('demo.echoed'), '{"jobId": 5}');
    await t.bus.transport.publish(keys.event('demo.echoed'), 'not json');
    await t.bus.publish('demo.echoed', { jobId: 'j2', text: 'again' });
    await until(() => got.length === 2);
    expect(got).toEqual([{ jobId: 'j1', text: 'hello' }, { jobId: 'j2', text: 'again' }]);
    await expect(t.bus.publish('demo.echoed', { jobId: 1 } as never)).rejects.toThrow();
    await unsub();
  });

  it('lists, retries and purges dead letters', async () => {
    const t = bus();
    let fail = true;
    await t.bus.enqueue(t.service, 'boom', {}, { maxAttempts: 1 });
    await t.bus.transport.push({ kind: 'list', key: keys.queue(t.service), end: 'back' }, ['garbage']);
    let ok = 0;
    await t.bus.work({ service: t.service, concurrency: 1, handlers: { boom: { handler: async () => { if (fail) throw new Error('first time'); ok++; return null; } } } });
    await until(async () => (await t.bus.deadList(t.service)).length === 2);
    fail = false;
    const r = await t.bus.deadRetry(t.service);
    expect(r.retried).toHaveLength(1);
    expect(r.skipped).toBe(1); // the garbage stays dead: retrying cannot help it
    await until(() => ok === 1);
    expect(await t.bus.deadPurge(t.service)).toBe(1);
    expect(await t.bus.deadList(t.service)).toHaveLength(0);
  });

  it('caches with TTL, delete and memoize', async () => {
    const t = bus();
    const k = `${t.service}.k`;
    expect(await t.cache.get(k)).toBeUndefined();
    await t.cache.set(k, { a: 1 }, 100);
    expect(await t.cache.get(k)).toEqual({ a: 1 });
    await new Promise((r) => setTimeout(r, 150));
    expect(await t.cache.get(k)).toBeUndefined();
    let calls = 0;
    const compute = async () => { calls++; await new Promise((r) => setTimeout(r, 20)); return 42; };
    const [a, b] = await Promise.all([t.cache.memoize(k, 5_000, compute), t.cache.memoize(k, 5_000, compute)]);
    expect([a, b, await t.cache.memoize(k, 5_000, compute)]).toEqual([42, 42, 42]);
    expect(calls).toBe(1);
    await t.cache.del(k);
    expect(await t.cache.get(k)).toBeUndefined();
  });
});
