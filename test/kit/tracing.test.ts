import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inSpan, SpanKind, type Tracing } from '@bigapp/kit';
import { setupTracing } from '../../packages/kit/src/tracing/setup.js';
import { makeBus, until } from '../support/bus.js';

/** Spans across the bus: enqueue → run (child) → done (child of enqueue), joined by the envelope's traceparent. */
describe('tracing over the bus (in-process driver, in-memory spans)', () => {
  let tracing: Tracing;
  beforeAll(async () => {
    tracing = await setupTracing({ serviceName: 'test', instance: 'i1', version: 't', recentSpans: 1_000 });
  });
  afterAll(async () => tracing.shutdown());

  it('links producer, worker and done-consumer spans into one trace', async () => {
    const t = makeBus(undefined);
    let seenTp = '';
    await t.bus.work({ service: t.service, concurrency: 2, handlers: {
      echo: { handler: async (d: { text: string }, ctx) => {
        seenTp = ctx.traceparent;
        // Work done inside the handler nests under its span.
        await inSpan('inner step', {}, async () => undefined);
        return { text: d.text };
      } },
    } });
    const done: string[] = [];
    await t.bus.consumeDone(t.service, (s) => { done.push(s.id); });
    const { id } = await inSpan('http request', { kind: SpanKind.SERVER }, () => t.bus.enqueue(t.service, 'echo', { text: 'x' }));
    await until(() => done.includes(id));
    const traceId = seenTp.slice(3, 35);
    await until(() => tracing.recent!.get(traceId).length >= 5, 5_000, 'five spans');
    const spans = tracing.recent!.get(traceId);
    const byName = (n: string) => spans.find((s) => s.name.startsWith(n))!;
    const http = byName('http request');
    const enq = byName('enqueue');
    const run = byName('run');
    const inner = byName('inner step');
    const doneSpan = byName('done');
    expect(enq.parentSpanId).toBe(http.spanId);
    expect(run.parentSpanId).toBe(enq.spanId);
    expect(inner.parentSpanId).toBe(run.spanId);
    expect(doneSpan.parentSpanId).toBe(enq.spanId);
    expect(run.attributes['bigapp.job.id']).toBe(id);
    expect(seenTp.slice(36, 52)).toBe(enq.spanId);
    await t.close();
  });

  it('records at most the configured number of new traces per second', async () => {
    const { RateLimitingSampler } = await import('../../packages/kit/src/tracing/sampler.js');
    const s = new RateLimitingSampler(10);
    const sampled = [...Array(100)].filter(() => s.shouldSample().decision === 2 /* RECORD_AND_SAMPLED */).length;
    expect(sampled).toBe(10);
    await new Promise((r) => setTimeout(r, 220));
    expect([...Array(100)].filter(() => s.shouldSample().decision === 2).length).toBe(2);
  });

  it('marks a failing attempt as an error span', async () => {
    const t = makeBus(undefined);
    const { id } = await t.bus.enqueue(t.service, 'boom', {}, { maxAttempts: 1 });
    await t.bus.work({ service: t.service, concurrency: 1, handlers: { boom: { handler: async () => { throw new Error('kaput'); } } } });
    await until(async () => (await t.bus.stats(t.service)).dead === 1);
    // Find the run span by job id among the recent traces.
    let run: unknown;
    await until(() => {
      for (const tid of tracing.recent!.traceIds()) {
        run = tracing.recent!.get(tid).find((x) => x.name.startsWith('run') && x.attributes['bigapp.job.id'] === id);
        if (run) return true;
      }
      return false;
    });
    expect(run).toMatchObject({ status: 'error' });
    await t.close();
  });
});
