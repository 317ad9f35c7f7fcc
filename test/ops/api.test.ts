import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../support/processes.js';
import type { Consumer } from '@bigapp/kit';
import { currentTracing, SpanKind } from '@bigapp/kit';
import { setupTracing } from '../../packages/kit/src/tracing/setup.js';
import * as demo from '../../services/demo/src/handlers.js';
import { findPostgres } from '../support/servers.js';
import { Client, multipart, PNG_1PX, until, webEnv, type Env } from '../web/helpers.js';

/**
 * The operations dashboard's JSON API (/api/ops) over a real PostgreSQL and
 * the in-process bus, with a stand-in demo worker and image worker in this
 * process, and tracing set up here (spans kept in memory).
 */
const pg = await findPostgres();

describe.skipIf(!pg.url)('ops API', () => {
  let env: Env;
  let admin: Client;
  let member: Client;
  const workers: Consumer[] = [];
  let lastJobId = '';

  beforeAll(async () => {
    await setupTracing({ serviceName: 'test', instance: 'test-1', version: '0.0.0' });
    env = await webEnv(pg.url!);
    admin = await new Client(env.app).register('root');
    member = await new Client(env.app).register('mel');
  });
  afterAll(async () => {
    for (const w of workers) await env.bus.stopConsumer(w, 0);
    await env?.close();
    await currentTracing()?.shutdown();
  });

  const demoWorker = async () => {
    workers.push(await env.bus.work({ service: 'demo', concurrency: 4, handlers: { echo: { handler: demo.echo }, noop: { handler: demo.noop }, fail: { handler: demo.fail } } as never }));
  };
  const overview = async () => {
    const r = await admin.call('GET', '/api/ops/overview');
    expect(r.statusCode).toBe(200);
    return r.json() as { services: { service: string; queued: number; dead: number; doneLastMinute: number; doneLastHour: number; jobsPerSecond: number; p50Ms: number | null; p95Ms: number | null; consumersAlive: number; consumers: { host?: string; alive: boolean }[] }[]; history: { intervalMs: number; points: unknown[] } };
  };
  const svc = async (name: string) => (await overview()).services.find((s) => s.service === name)!;

  it('a member gets 403 and no session 401 on every /api/ops route', async () => {
    const routes: ['GET' | 'POST', string][] = [
      ['GET', '/api/ops/overview'], ['GET', '/api/ops/dead/demo'], ['POST', '/api/ops/dead/demo/retry'], ['POST', '/api/ops/dead/demo/purge'],
      ['GET', '/api/ops/jobs/some-id'], ['GET', '/api/ops/events'],
    ];
    for (const [method, url] of routes) {
      const m = await member.call(method, url, method === 'POST' ? {} : undefined);
      expect(m.statusCode, `${method} ${url} as member`).toBe(403);
      const anon = await env.app.inject({ method, url });
      expect(anon.statusCode, `${method} ${url} anonymous`).toBe(401);
    }
  });

  it('lists every registered service; unknown services are 404', async () => {
    const o = await overview();
    expect(o.services.map((s) => s.service).sort()).toEqual(['cmd', 'demo', 'export', 'image', 'import', 'web']);
    expect(o.history.intervalMs).toBe(10_000);
    expect((await admin.call('GET', '/api/ops/dead/nope')).statusCode).toBe(404);
    expect((await admin.call('POST', '/api/ops/dead/nope/retry', {})).statusCode).toBe(404);
    expect((await admin.call('GET', '/api/ops/dead/demo?limit=0')).statusCode).toBe(400);
    expect((await admin.call('GET', '/api/ops/jobs/unknown-job')).statusCode).toBe(404);
  });

  it('the numbers move: queued while no worker runs, then done with percentiles and a live consumer', async () => {
    for (let i = 0; i < 5; i++) await env.bus.enqueue('demo', 'noop', { n: i });
    expect((await svc('demo')).queued).toBe(5);
    await demoWorker();
    await until(async () => (await svc('demo')).doneLastMinute >= 5, 10_000, 'demo jobs done');
    const d = await svc('demo');
    expect(d.queued).toBe(0);
    expect(d.doneLastHour).toBeGreaterThanOrEqual(5);
    expect(d.jobsPerSecond).toBeGreaterThan(0);
    expect(d.p50Ms).not.toBeNull();
    expect(d.p95Ms! >= d.p50Ms!).toBe(true);
    expect(d.consumersAlive).toBeGreaterThanOrEqual(1);
    expect(d.consumers.find((c) => c.alive)?.host).toBeTruthy();
  });

  it('the SSE stream sends an overview event', async () => {
    const base = await env.app.listen({ port: 0, host: '127.0.0.1' });
    const ac = new AbortController();
    const res = await fetch(`${base}/api/ops/events`, { headers: { cookie: `bigapp_session=${admin.cookie}` }, signal: ac.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('event: overview')) text += new TextDecoder().decode((await reader.read()).value);
    ac.abort();
    expect(text).toContain('"services"');
  });

  it('dead letters: list, retry one, purge — each in audit_log with the admin as actor', async () => {
    const { id } = await env.bus.enqueue('demo', 'fail', { reason: 'boom' }, { maxAttempts: 1 });
    await until(async () => (await svc('demo')).dead === 1, 10_000, 'dead letter');
    const list = (await admin.call('GET', '/api/ops/dead/demo')).json();
    expect(list.entries).toHaveLength(1);
    expect(list.entries[0]).toMatchObject({ id, type: 'fail', error: expect.stringContaining('boom') });
    expect(list.entries[0].preview).toContain('boom');
    expect(list.entries[0].preview.length).toBeLessThanOrEqual(500);

    const r = await admin.call('POST', '/api/ops/dead/demo/retry', { ids: [id] });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ service: 'demo', retried: 1, ids: [id] });
    // It fails again (demo.fail always does) and is dead again.
    await until(async () => (await svc('demo')).dead === 1 && (await admin.call('GET', '/api/ops/dead/demo')).json().entries.length === 1, 10_000, 'dead again');

    const p = await admin.call('POST', '/api/ops/dead/demo/purge');
    expect(p.statusCode).toBe(200);
    expect(p.json()).toMatchObject({ service: 'demo', purged: 1 });
    expect((await svc('demo')).dead).toBe(0);

    const audit = await env.db.db.selectFrom('audit_log').selectAll().orderBy('id').execute();
    expect(audit.map((a) => [a.actor, a.op, a.ok])).toEqual([
      ['root (dashboard)', 'queue:retry-dead', true],
      ['root (dashboard)', 'queue:purge', true],
    ]);
    expect(audit[0]!.args).toEqual(['demo', '--id', id]);
  });

  it("a job's page: ledger row, attempts, and its trace http → enqueue → run, parent-linked", async () => {
    workers.push(await env.bus.work({
      service: 'image',
      concurrency: 2,
      handlers: {
        thumbnail: {
          handler: async (data: any) => ({ width: 1, height: 1, format: 'png', thumbnails: { small: `thumbs/${data.workspaceId}/${data.mediaId}-aa-256.webp`, large: `thumbs/${data.workspaceId}/${data.mediaId}-bb-1024.webp` } }),
        },
      } as never,
    }));
    const ws = (await admin.call('POST', '/api/workspaces', { name: 'Traced' })).json().id;
    const up = multipart(PNG_1PX, 'dot.png', 'file', 'image/png');
    const r = await admin.call('POST', `/api/workspaces/${ws}/media`, up.payload, up.headers);
    expect(r.statusCode).toBe(201);
    let jobId = '';
    await until(async () => {
      const row = await env.db.db.selectFrom('jobs').select(['id', 'status']).where('service', '=', 'image').executeTakeFirst();
      jobId = row?.id ?? '';
      return row?.status === 'succeeded';
    }, 10_000, 'thumbnail job succeeded');
    let page: any;
    await until(async () => {
      page = (await admin.call('GET', `/api/ops/jobs/${jobId}`)).json();
      return page.trace.some((s: any) => s.name.startsWith('done '));
    }, 10_000, 'trace complete');
    expect(page).toMatchObject({ id: jobId, service: 'image', type: 'thumbnail', status: 'succeeded', attempts: 1 });
    expect(page.attemptLog).toHaveLength(1);
    expect(page.attemptLog[0]).toMatchObject({ attempt: 1, status: 'succeeded', worker: expect.any(String), durationMs: expect.any(Number) });
    const spans = page.trace as { spanId: string; parentSpanId?: string; name: string; kind: number; traceId: string }[];
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    const http = spans.find((s) => s.kind === SpanKind.SERVER && s.name === 'POST /api/workspaces/:id/media')!;
    const enqueue = spans.find((s) => s.name === 'enqueue image.thumbnail')!;
    const run = spans.find((s) => s.name === 'run image.thumbnail')!;
    expect(http).toBeTruthy();
    expect(enqueue?.parentSpanId).toBe(http.spanId);
    expect(run?.parentSpanId).toBe(enqueue.spanId);
    expect(spans.some((s) => s.name === 'db.query')).toBe(true);
    lastJobId = jobId;
  });

  it.skipIf(!existsSync(BIN))('bigapp trace <jobId> prints the row, attempts and span tree; clear errors for 401/403/404/unreachable', async () => {
    const base = env.app.server.listening ? `http://127.0.0.1:${(env.app.server.address() as { port: number }).port}` : await env.app.listen({ port: 0, host: '127.0.0.1' });
    const adminToken = (await admin.call('POST', '/api/tokens', { name: 'cli' })).json().token as string;
    const memberToken = (await member.call('POST', '/api/tokens', { name: 'cli' })).json().token as string;
    const run = (args: string[], token?: string) =>
      promisify(execFile)(process.execPath, [BIN, 'trace', ...args], { env: { ...process.env, BIGAPP_TOKEN: token ?? '' } }).then(
        (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
      );
    const ok = await run([lastJobId, '--url', base], adminToken);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toContain(`job ${lastJobId}`);
    expect(ok.out).toMatch(/#1 succeeded {2}worker \S+ {2}\d+(\.\d+)? ms/);
    // The span tree: indentation is depth (two spaces of section indent plus two per level).
    expect(ok.out).toMatch(/^ {2}POST \/api\/workspaces\/:id\/media {2}\[server/m);
    expect(ok.out).toMatch(/^ {4}enqueue image\.thumbnail {2}\[producer/m);
    expect(ok.out).toMatch(/^ {6}run image\.thumbnail {2}\[consumer/m);
    expect((await run([lastJobId, '--url', base, '--token', 'nope-nope'])).err).toMatch(/401/);
    expect((await run([lastJobId, '--url', base], memberToken)).err).toMatch(/403 forbidden/);
    expect((await run(['missing-job', '--url', base], adminToken)).err).toMatch(/404/);
    const down = await run([lastJobId, '--url', 'http://127.0.0.1:9'], adminToken);
    expect(down.code).toBe(1);
    expect(down.err).toMatch(/cannot reach the web service/);
    expect((await run([lastJobId, '--url', base])).code).toBe(2);
  });
});
