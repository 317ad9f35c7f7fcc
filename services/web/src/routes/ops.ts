import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { currentTracing, type SpanView } from '@bigapp/kit';
import type { OpsJob } from '@bigapp/contracts';
import { services } from '../../../registry.js';
import { caller } from '../auth/hook.js';
import type { WebContext } from '../context.js';
import { openEventStream } from '../live/sse.js';
import { forbidden, HttpError, notFound } from '../errors.js';
import { dashboardOps } from '../ops/audit.js';
import { OpsSampler, serviceOverview, type Overview } from '../ops/overview.js';
import { parse } from '../validate.js';

const PREVIEW = 500;
const SSE_MS = 2_000;

/** Admins only: 401 without a caller (the auth hook), 403 for members. */
function requireAdmin(req: FastifyRequest): { username: string } {
  const p = caller(req);
  if (p.user.role !== 'admin') throw forbidden('The operations dashboard is for admins only.');
  return p.user;
}

const ServiceParams = z.strictObject({ service: z.string().min(1).max(64) });
const DeadQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100) });
const RetryBody = z.strictObject({ ids: z.array(z.string().min(1).max(128)).max(1000).optional() }).optional();
const JobParams = z.strictObject({ jobId: z.string().min(1).max(128) });

function knownService(params: unknown): string {
  const { service } = parse(ServiceParams, params, 'params');
  if (!services.some((s) => s.name === service)) throw notFound(`The service ${service}`);
  return service;
}

function preview(raw: string): string {
  let text = raw;
  try {
    const env = JSON.parse(raw) as { data?: unknown };
    if (env && typeof env === 'object' && 'data' in env) text = JSON.stringify(env.data);
  } catch {
    /* not JSON: show the raw text */
  }
  return text.length > PREVIEW ? `${text.slice(0, PREVIEW - 1)}…` : text;
}

/**
 * The operations dashboard's JSON (GET /api/ops/*), its live stream and the
 * audited dead-letter actions. The sampler keeps the last hour of queue depth
 * and throughput in this process (each replica has its own history).
 */
export async function opsRoutes(app: FastifyInstance, ctx: WebContext): Promise<void> {
  const { db, bus, log } = ctx;
  const names = () => services.map((s) => s.name);
  const sampleAll = (now: number) => Promise.all(names().map((n) => serviceOverview(db, bus, n, now)));
  const sampler = new OpsSampler(sampleAll);
  const ops = dashboardOps({ db, bus, bucket: ctx.bucket, log });

  const overview = async (): Promise<Overview> => {
    const now = Date.now();
    const all = await sampleAll(now);
    return { at: now, services: all.map((s) => s.overview), history: sampler.history() };
  };

  // One timer for every open dashboard stream of this process.
  const streams = new Set<ServerResponse>();
  let timer: NodeJS.Timeout | undefined;
  const push = async () => {
    if (!streams.size) return;
    let frame: string;
    try {
      frame = `event: overview\ndata: ${JSON.stringify(await overview())}\n\n`;
    } catch (err) {
      log.warn({ err }, 'ops overview failed');
      return;
    }
    for (const res of streams) if (!res.writableEnded) res.write(frame);
  };
  const ensureTimer = () => {
    if (timer || !streams.size) return;
    timer = setInterval(() => void push(), SSE_MS);
    timer.unref();
  };

  // Started here, like the caches and fanout (an onReady hook would stop callers adding hooks after ready()).
  sampler.start();
  app.addHook('preClose', async () => {
    if (timer) clearInterval(timer);
    timer = undefined;
    for (const res of streams) res.end();
    streams.clear();
    await sampler.stop();
  });

  app.get('/api/ops/overview', async (req) => {
    requireAdmin(req);
    return overview();
  });

  app.get('/api/ops/dead/:service', async (req) => {
    requireAdmin(req);
    const service = knownService(req.params);
    const { limit } = parse(DeadQuery, req.query ?? {}, 'query');
    const entries = await bus.deadList(service, limit);
    return {
      service,
      entries: entries.map((e) => ({ id: e.id ?? null, type: e.type ?? null, reason: e.reason, error: e.error, ts: e.ts, worker: (e as { worker?: string }).worker ?? null, preview: preview(e.raw) })),
    };
  });

  const action = async (req: FastifyRequest, op: 'queue:retry-dead' | 'queue:purge', args: string[]) => {
    const user = requireAdmin(req);
    const r = await ops.run(user.username, op, args);
    if (!r.ok) throw new HttpError(r.error?.code === 'not_found' ? 404 : r.error?.code === 'bad_request' ? 400 : 500, r.error?.code ?? 'op_failed', r.error?.message ?? `${op} failed`);
    return r.output;
  };

  app.post('/api/ops/dead/:service/retry', async (req) => {
    requireAdmin(req);
    const service = knownService(req.params);
    const body = parse(RetryBody, req.body ?? undefined, 'body');
    return action(req, 'queue:retry-dead', [service, ...(body?.ids ?? []).flatMap((id) => ['--id', id])]);
  });

  app.post('/api/ops/dead/:service/purge', async (req) => {
    requireAdmin(req);
    const service = knownService(req.params);
    return action(req, 'queue:purge', [service, '--yes']);
  });

  app.get('/api/ops/jobs/:jobId', async (req) => {
    requireAdmin(req);
    const { jobId: id } = parse(JobParams, req.params, 'params');
    const job = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!job) throw notFound('The job');
    const tracing = currentTracing();
    let trace: SpanView[] = [];
    let traceNote: string | null = null;
    if (!tracing) traceNote = 'Tracing is off in this web process (BIGAPP_TRACING=off or not started by bigapp).';
    else if (!tracing.recent) traceNote = 'Spans are exported to the OTLP collector (OTEL_EXPORTER_OTLP_ENDPOINT); look the trace id up there.';
    else if (!job.trace_id) traceNote = 'This job has no trace id.';
    else {
      trace = tracing.recent.get(job.trace_id);
      if (!trace.length) traceNote = 'No spans of this trace are kept in this process (older than the in-memory window, or recorded by another replica).';
      else if (!trace.some((s) => s.name.startsWith('run '))) traceNote = 'Spans recorded in other processes (workers) are not in this process\'s memory; with several processes use an OTLP collector.';
    }
    return {
      id: job.id,
      service: job.service,
      type: job.type,
      status: job.status,
      attempts: job.attempts,
      maxAttempts: job.max_attempts,
      workspaceId: job.workspace_id,
      traceId: job.trace_id,
      createdAt: job.created_at.toISOString(),
      updatedAt: job.updated_at.toISOString(),
      finishedAt: job.finished_at ? job.finished_at.toISOString() : null,
      payload: job.payload,
      result: job.result,
      error: job.error,
      attemptLog: (job.attempt_log ?? []).map((a) => ({ attempt: a.attempt, status: a.status, worker: a.worker, durationMs: a.durationMs, error: a.error, at: a.at })),
      trace,
      traceNote,
    } satisfies OpsJob;
  });

  app.get('/api/ops/events', async (req, reply) => {
    requireAdmin(req);
    const res = openEventStream(req, reply);
    streams.add(res);
    ensureTimer();
    const frame = await overview().then((o) => `event: overview\ndata: ${JSON.stringify(o)}\n\n`, () => '');
    if (frame && !res.writableEnded) res.write(frame);
    const gone = () => {
      streams.delete(res);
      if (!streams.size && timer) {
        clearInterval(timer);
        timer = undefined;
      }
    };
    res.once('close', gone);
  });
}
