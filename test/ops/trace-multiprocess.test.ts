import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPostgres } from '../support/servers.js';
import { freePort, redisServerAvailable, ThrowawayRedis } from '../support/redis-server.js';
import { BIN, runBigapp, stopSupervisor, type Spawned } from '../support/processes.js';
import { throwawayDatabase } from '../db/helpers.js';
import { multipart, PNG_1PX } from '../web/helpers.js';

/**
 * `bigapp up web image` with OTEL_EXPORTER_OTLP_ENDPOINT pointing at an
 * OTLP/HTTP JSON receiver in this test: one upload gives one trace whose
 * spans come from the web process and the image worker process, and the
 * worker's `run` span is a child of the web's `enqueue` span.
 */
const pg = await findPostgres();
const thumbnailSource = await import('../../services/image/src/thumbnail.js').then((m) => String(m.thumbnail)).catch(() => 'not_implemented');
const imageStub = thumbnailSource.includes('not_implemented');
const built = existsSync(BIN);
const ok = Boolean(pg.url) && redisServerAvailable() && built && !imageStub;
if (!ok) console.warn('\n*** SKIPPED: multi-process trace test — needs PostgreSQL, redis-server, the built dist (`npx tsc -b`) and the image service. ***\n');

interface Received {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  resource: Record<string, string>;
}

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean };

/** A minimal OTLP/HTTP receiver (JSON encoding, as @opentelemetry/exporter-trace-otlp-http sends). */
function otlpReceiver(): { server: http.Server; spans: Received[]; bodies: number } {
  const state = { server: undefined as unknown as http.Server, spans: [] as Received[], bodies: 0 };
  state.server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        state.bodies++;
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            resourceSpans?: { resource?: { attributes?: { key: string; value: AnyValue }[] }; scopeSpans?: { spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number }[] }[] }[];
          };
          for (const rs of body.resourceSpans ?? []) {
            const resource: Record<string, string> = {};
            for (const a of rs.resource?.attributes ?? []) resource[a.key] = String(a.value.stringValue ?? a.value.intValue ?? a.value.boolValue ?? '');
            for (const ss of rs.scopeSpans ?? []) {
              for (const s of ss.spans ?? []) state.spans.push({ traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', name: s.name, kind: s.kind, resource });
            }
          }
        } catch {
          /* not JSON (protobuf): counted in bodies, spans stay empty */
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  return state;
}

describe.skipIf(!ok)('one upload, one trace across the web and image processes (OTLP)', () => {
  let redis: ThrowawayRedis;
  let database: Awaited<ReturnType<typeof throwawayDatabase>>;
  let dataDir: string;
  let up: Spawned;
  let base: string;
  const otlp = otlpReceiver();

  beforeAll(async () => {
    await new Promise<void>((r) => otlp.server.listen(0, '127.0.0.1', () => r()));
    const otlpPort = (otlp.server.address() as { port: number }).port;
    redis = await ThrowawayRedis.start();
    database = await throwawayDatabase(pg.url!);
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'bigapp-ops-trace-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    up = runBigapp(['up', 'web', 'image'], {
      BIGAPP_ENV: 'test',
      REDIS_URL: redis.url,
      DATABASE_URL: database.url,
      BIGAPP_DATA_DIR: dataDir,
      BUCKET_DIR: path.join(dataDir, 'bucket'),
      BUCKET_SIGNING_SECRET: 's'.repeat(64),
      BIGAPP_HTTP_PORT: String(port),
      BIGAPP_HTTP_HOST: '127.0.0.1',
      BIGAPP_TRACING: 'on',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}`,
      BIGAPP_GRACE_MS: '3000',
    });
    await up.waitForLine((l) => typeof l.msg === 'string' && l.msg.startsWith('web: listening'), 60_000);
  }, 90_000);

  afterAll(async () => {
    await stopSupervisor(up);
    await new Promise((r) => otlp.server.close(() => r(undefined)));
    await database?.drop().catch(() => undefined);
    await redis?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('the spans of one upload share a trace id, come from both processes, and are parent-linked', async () => {
    const reg = await fetch(`${base}/api/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'tracer', password: 'correct-horse-battery' }) });
    expect(reg.status).toBe(201);
    const cookie = /bigapp_session=([^;]+)/.exec(reg.headers.get('set-cookie') ?? '')![1]!;
    const { csrfToken } = (await reg.json()) as { csrfToken: string };
    const h = { cookie: `bigapp_session=${cookie}`, 'x-csrf-token': csrfToken };
    const ws = ((await (await fetch(`${base}/api/workspaces`, { method: 'POST', headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Traced' }) })).json()) as { id: string }).id;
    const { payload, headers } = multipart(PNG_1PX, 'dot.png', 'file', 'image/png');
    const r = await fetch(`${base}/api/workspaces/${ws}/media`, { method: 'POST', headers: { ...h, ...headers }, body: payload });
    expect(r.status).toBe(201);

    // The upload's HTTP span, then everything in its trace.
    const deadline = Date.now() + 30_000;
    let trace: Received[] = [];
    while (Date.now() < deadline) {
      const httpSpan = otlp.spans.find((s) => s.kind === 2 && s.name === 'POST /api/workspaces/:id/media');
      if (httpSpan) {
        trace = otlp.spans.filter((s) => s.traceId === httpSpan.traceId);
        if (trace.some((s) => s.name === 'run image.thumbnail') && trace.some((s) => s.name.startsWith('done image.'))) break;
      }
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(otlp.bodies).toBeGreaterThan(0);
    const http = trace.find((s) => s.name === 'POST /api/workspaces/:id/media');
    const enqueue = trace.find((s) => s.name === 'enqueue image.thumbnail');
    const run = trace.find((s) => s.name === 'run image.thumbnail');
    expect(http, `spans seen: ${otlp.spans.map((s) => s.name).join(', ')}`).toBeTruthy();
    expect(enqueue).toBeTruthy();
    expect(run).toBeTruthy();
    expect(enqueue!.parentSpanId).toBe(http!.spanId);
    expect(run!.parentSpanId).toBe(enqueue!.spanId);
    // Two processes: the web's spans and the worker's differ in resource identity.
    expect(http!.resource['service.name']).toMatch(/web/);
    expect(run!.resource['service.name']).toMatch(/image/);
    expect(run!.resource['service.instance.id']).not.toBe(http!.resource['service.instance.id']);
    expect(new Set(trace.map((s) => s.resource['service.instance.id'])).size).toBeGreaterThanOrEqual(2);
  }, 90_000);
});
