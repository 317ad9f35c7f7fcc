import type { Logger } from 'pino';
import { findJobContract, type JobContract, type JobEnvelope } from '@bigapp/contracts';
import { JobFailure, errorCode, errorMessage } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { backoffMs } from './backoff.js';
import { buildDead, buildStatus, classify, nextAttempt } from './envelope.js';
import type { SettleOp } from './transport.js';
import type { JobContext } from './types.js';
import { inRemoteSpan, SpanKind, SpanStatusCode } from '../tracing/index.js';

export interface HandlerEntry {
  handler: (data: never, ctx: JobContext) => Promise<unknown>;
  timeoutMs?: number;
}

export interface WorkerSettings {
  service: string;
  worker: string;
  handlers: Record<string, HandlerEntry>;
  maxMessageBytes: number;
  defaultTimeoutMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  resultTtlMs: number;
  log: Logger;
  metrics?: Metrics;
  publish: JobContext['publish'];
  /** Contracts lookup; defaults to @bigapp/contracts. */
  contractFor?: (type: string) => JobContract | undefined;
}

class TimeoutError extends Error {
  readonly code = 'job_timeout';
}

/**
 * Runs `fn` with a time limit. No AbortController per job: one is made only
 * when the handler reads ctx.signal (most never do), and it is aborted on
 * time-out or when the consumer stops.
 */
function runWithTimeout<T>(fn: () => Promise<T>, ms: number, onTimeout: (e: Error) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const e = new TimeoutError(`handler did not finish within ${ms} ms`);
      onTimeout(e);
      reject(e);
    }, ms);
    fn().then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/**
 * Decides the outcome of one taken message: validate, run the handler under
 * its time limit, then succeed, retry with backoff, fail, or dead-letter.
 * Never throws; a worker keeps going whatever the message.
 */
export function jobProcessor(s: WorkerSettings) {
  const contractFor = s.contractFor ?? ((type: string) => (Object.hasOwn(s.handlers, type) ? findJobContract(s.service, type) : undefined));
  const m = s.metrics;

  return async function process(raw: string, stopSignal: AbortSignal): Promise<SettleOp> {
    const c = classify(raw, s.service, s.maxMessageBytes, contractFor);
    if (!c.ok) {
      m?.jobsDead.inc({ service: s.service, reason: c.reason });
      s.log.warn({ service: s.service, reason: c.reason, jobId: c.id, error: c.error }, 'message dead-lettered');
      const op: SettleOp = { raw, dead: buildDead(raw, c.reason, c.error, s.worker, c) };
      // A requester waiting on this id learns its fate too.
      if (c.id !== undefined) {
        op.status = buildStatus(
          { id: c.id, type: c.type ?? '', attempt: c.env?.attempt ?? 1, ...(c.env?.traceparent ? { traceparent: c.env.traceparent } : {}) },
          s.service,
          { status: 'dead', worker: s.worker, startedAt: Date.now(), error: { code: c.reason, message: c.error } },
        );
        if ((c.env as { reply?: boolean } | undefined)?.reply) op.reply = { id: c.id, ttlMs: s.resultTtlMs };
      }
      return op;
    }
    const env = c.env as JobEnvelope & { reply?: boolean };
    const entry = s.handlers[env.type]!;
    const labels = { service: s.service, type: env.type };
    m?.jobsTaken.inc(labels);
    const startedAt = Date.now();
    let abort: AbortController | undefined;
    let forward: (() => void) | undefined;
    const signal = () => {
      if (!abort) {
        const a = new AbortController();
        abort = a;
        if (stopSignal.aborted) a.abort(stopSignal.reason);
        else stopSignal.addEventListener('abort', (forward = () => a.abort(stopSignal.reason)), { once: true });
      }
      return abort.signal;
    };
    let log: Logger | undefined;
    const ctx: JobContext = {
      jobId: env.id,
      service: s.service,
      type: env.type,
      attempt: env.attempt,
      maxAttempts: env.maxAttempts,
      traceparent: env.traceparent ?? '',
      get signal() {
        return signal();
      },
      // Created on first use: most handlers never log, and a child logger per job is not free.
      get log() {
        return (log ??= s.log.child({ jobId: env.id, type: env.type, attempt: env.attempt }));
      },
      publish: s.publish,
    };
    const timeoutMs = env.timeoutMs ?? entry.timeoutMs ?? s.defaultTimeoutMs;
    const reply = env.reply ? { id: env.id, ttlMs: s.resultTtlMs } : undefined;
    try {
      const out = await inRemoteSpan(
        `run ${s.service}.${env.type}`,
        env.traceparent,
        { kind: SpanKind.CONSUMER, attributes: { 'bigapp.job.id': env.id, 'bigapp.job.attempt': env.attempt, 'bigapp.worker': s.worker } },
        async (span) => {
          try {
            return await runWithTimeout(() => entry.handler(c.data as never, ctx), timeoutMs, (e) => abort?.abort(e));
          } catch (err) {
            span?.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(err) });
            throw err;
          }
        },
      );
      const checked = c.contract.result.safeParse(out);
      if (!checked.success) throw new JobFailure('job_invalid_result', `handler returned a result that does not match its contract: ${checked.error.issues[0]?.message ?? ''}`);
      m?.jobsDone.inc({ ...labels, status: 'succeeded' });
      m?.handlerSeconds.observe({ ...labels, status: 'succeeded' }, (Date.now() - startedAt) / 1000);
      const op: SettleOp = { raw, status: buildStatus(env, s.service, { status: 'succeeded', worker: s.worker, startedAt, result: checked.data }) };
      if (reply) op.reply = reply;
      return op;
    } catch (err) {
      const error = { code: errorCode(err), message: errorMessage(err).slice(0, 2000) };
      m?.jobsFailed.inc(labels);
      m?.handlerSeconds.observe({ ...labels, status: 'failed' }, (Date.now() - startedAt) / 1000);
      if (stopSignal.aborted) {
        // Cut short by shutdown, not by the job: the consumer hands it back untouched.
        throw err;
      }
      const permanent = err instanceof JobFailure && !err.retryable;
      if (permanent) {
        m?.jobsDone.inc({ ...labels, status: 'failed' });
        ctx.log.info({ error }, 'job failed');
        const op: SettleOp = { raw, status: buildStatus(env, s.service, { status: 'failed', worker: s.worker, startedAt, error }) };
        if (reply) op.reply = reply;
        return op;
      }
      if (env.attempt < env.maxAttempts) {
        const at = Date.now() + backoffMs(env.attempt, s.backoffBaseMs, s.backoffMaxMs);
        m?.jobsRetried.inc(labels);
        m?.jobsDone.inc({ ...labels, status: 'retrying' });
        ctx.log.warn({ error, retryAt: at }, 'job attempt failed; retrying');
        return { raw, retry: { raw: nextAttempt(raw, env), at }, status: buildStatus(env, s.service, { status: 'retrying', worker: s.worker, startedAt, error, retryAt: at }) };
      }
      m?.jobsDead.inc({ service: s.service, reason: 'max_attempts' });
      m?.jobsDone.inc({ ...labels, status: 'dead' });
      ctx.log.error({ error }, 'job dead-lettered after its last attempt');
      const op: SettleOp = {
        raw,
        status: buildStatus(env, s.service, { status: 'dead', worker: s.worker, startedAt, error }),
        dead: buildDead(raw, 'max_attempts', `${error.code}: ${error.message}`, s.worker, { id: env.id, type: env.type }),
      };
      if (reply) op.reply = reply;
      return op;
    } finally {
      if (forward) stopSignal.removeEventListener('abort', forward);
    }
  };
}
