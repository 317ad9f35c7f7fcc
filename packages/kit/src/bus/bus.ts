import os from 'node:os';
import type { Logger } from 'pino';
import {
  eventContracts,
  findJobContract,
  StatusEnvelope,
  TERMINAL_STATUSES,
  DeadLetter,
  JobEnvelope,
  type EventName,
  type EventPayload,
  type JobContract,
  type JobDataOf,
  type JobTypeOf,
  type ServiceWithJobs,
} from '@bigapp/contracts';
import { AppError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { Consumer, type Outcome } from './consumer.js';
import { buildEnvelope, newJobId } from './envelope.js';
import { keys, serviceKeys } from './keys.js';
import type { PushTarget, Transport } from './transport.js';
import type { DeadListEntry, EnqueueOptions, EnqueueResult, QueueStats, StatusHandler } from './types.js';
import { jobProcessor, type HandlerEntry } from './worker.js';
import { contextFrom, currentTracing, inRemoteSpan, inSpan, SpanKind, traceparentOf } from '../tracing/index.js';

export interface BusSettings {
  maxAttempts: number;
  defaultTimeoutMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  maxMessageBytes: number;
  idempotencyWindowMs: number;
  resultTtlMs: number;
  heartbeatMs: number;
  consumerTtlMs: number;
  blockMs: number;
  promoteMs: number;
  /** Longest a `<service>.done` list may grow before the oldest statuses are trimmed. */
  doneMaxLen: number;
}

export const defaultBusSettings: BusSettings = {
  maxAttempts: 5,
  defaultTimeoutMs: 60_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 300_000,
  maxMessageBytes: 1_048_576,
  idempotencyWindowMs: 24 * 3600_000,
  resultTtlMs: 600_000,
  heartbeatMs: 2_000,
  consumerTtlMs: 10_000,
  blockMs: 5_000,
  promoteMs: 250,
  doneMaxLen: 100_000,
};

export interface WorkerOptions {
  service: string;
  handlers: Record<string, HandlerEntry>;
  concurrency: number;
  /** Messages taken ahead of free slots (see ConsumerOptions.prefetch). */
  prefetch?: number;
}

let consumerSeq = 0;

/**
 * The bus as services use it: enqueue, work, consume statuses, wait for a
 * result, publish and subscribe. Driver-agnostic; the Transport does the I/O.
 */
export class Bus {
  readonly settings: BusSettings;
  private readonly consumers = new Set<Consumer>();
  private readonly pushBuffers = new Map<string, { target: PushTarget; raws: string[]; waiters: { resolve(): void; reject(e: unknown): void }[] }>();
  private flushScheduled = false;
  private readonly resultWaiters = new Map<string, Set<(s: StatusEnvelope) => void>>();
  private readonly resultSubs = new Map<string, Promise<() => Promise<void>>>();
  private closed = false;

  constructor(
    readonly transport: Transport,
    private readonly log: Logger,
    settings: Partial<BusSettings> = {},
    private readonly identity: { instance: string; version: string } = { instance: `${os.hostname()}-${process.pid}`, version: '0.0.0' },
    private readonly metrics?: Metrics,
    /** Extra job contracts (tests, plugins); @bigapp/contracts is always consulted first. */
    private readonly extraContracts: Record<string, Record<string, JobContract>> = {},
  ) {
    this.settings = { ...defaultBusSettings, ...settings };
  }

  findContract(service: string, type: string): JobContract | undefined {
    const c = findJobContract(service, type);
    if (c) return c;
    const extra = this.extraContracts[service];
    return extra && Object.hasOwn(extra, type) ? extra[type] : undefined;
  }

  /** Validates `data` against the job's contract and queues it. */
  async enqueue<S extends ServiceWithJobs, T extends JobTypeOf<S>>(service: S, type: T, data: JobDataOf<S, T>, opts?: EnqueueOptions): Promise<EnqueueResult>;
  async enqueue(service: string, type: string, data: unknown, opts?: EnqueueOptions): Promise<EnqueueResult>;
  async enqueue(service: string, type: string, data: unknown, opts: EnqueueOptions = {}): Promise<EnqueueResult> {
    if (!currentTracing()) return this.enqueueTraced(service, type, data, opts);
    // The producer span's context becomes the envelope's traceparent: the worker's span is its child.
    const parent = opts.traceparent ? contextFrom(opts.traceparent) : undefined;
    return inSpan(`enqueue ${service}.${type}`, { kind: SpanKind.PRODUCER, ...(parent ? { parent } : {}), attributes: { 'messaging.system': 'bigapp', 'messaging.destination.name': `${service}.queue` } }, async (span) => {
      const r = await this.enqueueTraced(service, type, data, { ...opts, traceparent: traceparentOf(span!) });
      span!.setAttribute('bigapp.job.id', r.id);
      return r;
    });
  }

  private async enqueueTraced(service: string, type: string, data: unknown, opts: EnqueueOptions): Promise<EnqueueResult> {
    const contract = this.findContract(service, type);
    if (!contract) {
      throw new AppError('job_unknown_type', `no job contract for ${service}.${type}`, { status: 400, safeMessage: `Unknown job type ${service}.${type}.` });
    }
    const parsed = contract.data.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? issue.path.map(String).join('.') : '(data)';
      throw new AppError('job_invalid_data', `${service}.${type}: ${where}: ${issue?.message}`, {
        status: 400,
        safeMessage: `Invalid job data at ${where}: ${issue?.message}`,
        details: parsed.error.issues,
      });
    }
    const env = buildEnvelope(service, type, parsed.data, {
      maxAttempts: opts.maxAttempts ?? contract.maxAttempts ?? this.settings.maxAttempts,
      ...(opts.id !== undefined ? { id: opts.id } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.traceparent !== undefined ? { traceparent: opts.traceparent } : {}),
      ...(opts.idempotencyKey !== undefined ? { key: opts.idempotencyKey } : {}),
      ...(opts.reply ? { reply: true } : {}),
    });
    if (opts.attempt !== undefined && opts.attempt > 1) env.attempt = Math.min(opts.attempt, env.maxAttempts);
    const raw = JSON.stringify(env);
    if (Buffer.byteLength(raw) > this.settings.maxMessageBytes) {
      throw new AppError('too_large', `job envelope is ${Buffer.byteLength(raw)} bytes; BIGAPP_MAX_MESSAGE_BYTES is ${this.settings.maxMessageBytes}`, {
        status: 413,
        safeMessage: 'The job is too large; store large inputs in the bucket and pass their key.',
      });
    }
    const target: PushTarget = opts.delayMs && opts.delayMs > 0
      ? { kind: 'delayed', key: keys.delayed(service), at: Date.now() + opts.delayMs }
      : { kind: 'list', key: keys.queue(service), end: opts.priority === 'high' ? 'front' : 'back' };
    this.metrics?.enqueued.inc({ service, type });
    if (opts.idempotencyKey !== undefined) {
      const earlier = await this.transport.pushIdempotent(target, raw, env.id, keys.idempotency(service, opts.idempotencyKey), opts.idempotencyWindowMs ?? this.settings.idempotencyWindowMs);
      return earlier === null ? { id: env.id, enqueued: true } : { id: earlier, enqueued: false };
    }
    if (opts.track) {
      await this.transport.pushTracked(target, raw, env.id, keys.ledger(service));
      return { id: env.id, enqueued: true };
    }
    await this.bufferedPush(target, raw);
    return { id: env.id, enqueued: true };
  }

  /**
   * Pushes made in the same tick to the same list go out as one LPUSH: one
   * round trip and one command for a burst, instead of one per job.
   */
  private bufferedPush(target: PushTarget, raw: string): Promise<void> {
    const id = target.kind === 'delayed' ? `z:${target.key}:${target.at}` : `${target.end}:${target.key}`;
    let buf = this.pushBuffers.get(id);
    if (!buf) {
      buf = { target, raws: [], waiters: [] };
      this.pushBuffers.set(id, buf);
    }
    buf.raws.push(raw);
    const p = new Promise<void>((resolve, reject) => buf!.waiters.push({ resolve, reject }));
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // After the current synchronous burst (e.g. a map over many enqueues), without waiting a whole event-loop turn.
      queueMicrotask(() => this.flushPushes());
    }
    return p;
  }

  private flushPushes(): void {
    this.flushScheduled = false;
    const bufs = [...this.pushBuffers.values()];
    this.pushBuffers.clear();
    for (const b of bufs) {
      // RPUSH of a batch would reverse its order on the consumer end; keep FIFO within the batch.
      const raws = b.target.kind === 'list' && b.target.end === 'front' ? [...b.raws].reverse() : b.raws;
      this.transport.push(b.target, raws).then(
        () => { for (const w of b.waiters) w.resolve(); },
        (err) => { for (const w of b.waiters) w.reject(err); },
      );
    }
  }

  /** Enqueues with `reply` and waits for the job's final status. */
  async request(service: string, type: string, data: unknown, opts: EnqueueOptions & { waitMs?: number } = {}): Promise<StatusEnvelope> {
    const id = opts.id ?? newJobId();
    // Subscribed and listening before the job exists, so no status can slip past: no need to look it up.
    await this.ensureResultSubscription(service);
    const waiting = this.waitRegistered(service, id, opts.waitMs ?? 30_000, false);
    await this.enqueue(service, type, data, { ...opts, id, reply: true });
    return waiting;
  }

  /**
   * Resolves with the final status of a job enqueued with `reply: true`, in
   * any process; rejects with code `timeout` when it does not come in time.
   */
  async waitFor(service: string, jobId: string, timeoutMs: number): Promise<StatusEnvelope> {
    await this.ensureResultSubscription(service);
    return this.waitRegistered(service, jobId, timeoutMs, true);
  }

  /** Registers the waiter synchronously (the subscription must already exist). */
  private waitRegistered(service: string, jobId: string, timeoutMs: number, lookUp: boolean): Promise<StatusEnvelope> {
    return new Promise<StatusEnvelope>((resolve, reject) => {
      const key = `${service}\u0000${jobId}`;
      let set = this.resultWaiters.get(key);
      if (!set) {
        set = new Set();
        this.resultWaiters.set(key, set);
      }
      const cleanup = () => {
        clearTimeout(timer);
        set!.delete(onStatus);
        if (set!.size === 0) this.resultWaiters.delete(key);
      };
      const onStatus = (s: StatusEnvelope) => {
        cleanup();
        resolve(s);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new AppError('timeout', `no final status for ${service} job ${jobId} within ${timeoutMs} ms`, { status: 504, safeMessage: 'The job did not finish in time.' }));
      }, timeoutMs);
      set.add(onStatus);
      // The status may have been written before we subscribed.
      if (lookUp) {
        this.transport.getString(keys.result(service, jobId)).then((raw) => {
          if (raw) this.deliverResult(raw);
        }, () => undefined);
      }
    });
  }

  private ensureResultSubscription(service: string): Promise<unknown> {
    let sub = this.resultSubs.get(service);
    if (!sub) {
      sub = this.transport.subscribe(keys.resultsChannel(service), (m) => this.deliverResult(m));
      this.resultSubs.set(service, sub);
    }
    return sub;
  }

  private deliverResult(raw: string): void {
    // Every requesting process sees every status of the service: find a waiter before validating.
    let obj: { id?: unknown; service?: unknown };
    try {
      obj = JSON.parse(raw) as typeof obj;
    } catch {
      return;
    }
    const set = this.resultWaiters.get(`${String(obj.service ?? '')}\u0000${String(obj.id)}`);
    if (!set) return;
    const s = StatusEnvelope.safeParse(obj);
    if (!s.success || !TERMINAL_STATUSES.includes(s.data.status)) return;
    for (const fn of [...set]) fn(s.data);
  }

  private consumerId(service: string, role: string): string {
    return `${os.hostname()}-${process.pid}-${role}-${service}-${++consumerSeq}-${Math.random().toString(36).slice(2, 6)}`;
  }

  private consumerInfo(service: string, role: string) {
    return { host: os.hostname(), pid: process.pid, instance: this.identity.instance, version: this.identity.version, service, role, startedAt: Date.now() };
  }

  /** Starts taking `<service>.queue` with the given handlers. */
  async work(o: WorkerOptions): Promise<Consumer> {
    const id = this.consumerId(o.service, 'worker');
    const process = jobProcessor({
      service: o.service,
      worker: id,
      handlers: o.handlers,
      maxMessageBytes: this.settings.maxMessageBytes,
      defaultTimeoutMs: this.settings.defaultTimeoutMs,
      backoffBaseMs: this.settings.backoffBaseMs,
      backoffMaxMs: this.settings.backoffMaxMs,
      resultTtlMs: this.settings.resultTtlMs,
      log: this.log.child({ service: o.service }),
      ...(this.metrics ? { metrics: this.metrics } : {}),
      publish: (event, payload) => this.publish(event, payload),
      contractFor: (type) => (Object.hasOwn(o.handlers, type) ? this.findContract(o.service, type) : undefined),
    });
    return this.startConsumer(o.service, keys.jobSource(o.service), id, o.concurrency, process, keys.delayed(o.service), 'worker', o.prefetch ?? 0);
  }

  /**
   * Consumes `<service>.done` reliably: each status is taken into this
   * consumer's in-flight list and removed only after `handler` returned. A
   * handler that throws gets the status again later (at-least-once).
   */
  async consumeDone(service: string, handler: StatusHandler, o: { concurrency?: number } = {}): Promise<Consumer> {
    const id = this.consumerId(service, 'done');
    const log = this.log.child({ service, role: 'done-consumer' });
    const process = async (raw: string): Promise<Outcome> => {
      let status: StatusEnvelope;
      try {
        status = StatusEnvelope.parse(JSON.parse(raw));
      } catch (err) {
        // A malformed status cannot be acted on; keep it for inspection rather than loop on it.
        log.warn({ err: (err as Error).message }, 'malformed status in done list; moved to dead list');
        return { raw, dead: JSON.stringify({ v: 1, reason: 'invalid_envelope', error: `malformed status: ${(err as Error).message}`, raw, ts: Date.now(), worker: id }) };
      }
      try {
        await inRemoteSpan(`done ${service}.${status.type}`, status.traceparent, { kind: SpanKind.CONSUMER, attributes: { 'bigapp.job.id': status.id, 'bigapp.job.status': status.status } }, async () => handler(status));
        return { raw };
      } catch (err) {
        log.warn({ err, jobId: status.id }, 'done handler failed; the status will be delivered again');
        await new Promise((r) => setTimeout(r, 1_000));
        return { handBack: true, raw };
      }
    };
    return this.startConsumer(service, keys.doneSource(service), id, o.concurrency ?? 16, process, undefined, 'done');
  }

  private async startConsumer(
    service: string,
    src: ReturnType<typeof keys.jobSource>,
    id: string,
    concurrency: number,
    process: (raw: string, signal: AbortSignal) => Promise<Outcome>,
    delayedKey: string | undefined,
    role: string,
    prefetch = 0,
  ): Promise<Consumer> {
    if (this.closed) throw new AppError('unavailable', 'bus is closed');
    const c = new Consumer(this.transport, src, serviceKeys(service, this.settings.doneMaxLen), {
      id,
      concurrency,
      prefetch,
      info: this.consumerInfo(service, role),
      heartbeatMs: this.settings.heartbeatMs,
      ttlMs: this.settings.consumerTtlMs,
      blockMs: this.settings.blockMs,
      ...(delayedKey ? { promote: { delayedKey }, promoteMs: this.settings.promoteMs } : {}),
      log: this.log.child({ service, consumer: id }),
    }, process);
    await c.start();
    this.consumers.add(c);
    return c;
  }

  async stopConsumer(c: Consumer, graceMs: number) {
    this.consumers.delete(c);
    return c.stop(graceMs);
  }

  async publish<E extends EventName>(event: E, payload: EventPayload<E>): Promise<void> {
    const schema = eventContracts[event];
    if (!schema) throw new AppError('bad_request', `unknown event ${event}`);
    const checked = schema.parse(payload);
    await this.transport.publish(keys.event(event), JSON.stringify(checked));
  }

  /** Subscribes to a typed event; malformed payloads are logged and dropped. */
  async subscribe<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): Promise<() => Promise<void>> {
    const schema = eventContracts[event];
    return this.transport.subscribe(keys.event(event), (m) => {
      try {
        handler(schema.parse(JSON.parse(m)) as EventPayload<E>);
      } catch (err) {
        this.log.warn({ event, err: (err as Error).message }, 'dropped malformed event');
      }
    });
  }

  async stats(service: string): Promise<QueueStats> {
    return { service, ...(await this.transport.stats(service)) };
  }

  async deadList(service: string, limit = 100): Promise<DeadListEntry[]> {
    const raws = await this.transport.range(keys.dead(service), 0, limit - 1);
    const out: DeadListEntry[] = [];
    for (const stored of raws) {
      const p = DeadLetter.safeParse(safeJson(stored));
      out.push(p.success ? { ...p.data, stored } : { v: 1, reason: 'invalid_envelope', error: 'unreadable dead-letter entry', raw: stored, ts: 0, stored });
    }
    return out;
  }

  /**
   * Queues dead jobs again as a fresh first attempt. Entries whose message is
   * not a valid envelope (malformed input) stay dead: retrying cannot help.
   */
  async deadRetry(service: string, opts: { ids?: string[]; limit?: number } = {}): Promise<{ retried: string[]; skipped: number }> {
    const entries = await this.deadList(service, opts.limit ?? 10_000);
    const retried: string[] = [];
    let skipped = 0;
    for (const e of entries) {
      if (opts.ids && (!e.id || !opts.ids.includes(e.id))) continue;
      const env = JobEnvelope.safeParse(safeJson(e.raw));
      if (!env.success || e.rawBytes !== undefined) {
        skipped++;
        continue;
      }
      const again = JSON.stringify({ ...env.data, attempt: 1 });
      if (await this.transport.moveEntry(keys.dead(service), e.stored, { target: { kind: 'list', key: keys.queue(service), end: 'back' }, raw: again })) {
        retried.push(env.data.id);
      }
    }
    return { retried, skipped };
  }

  async deadPurge(service: string): Promise<number> {
    const n = (await this.transport.stats(service)).dead;
    await this.transport.deleteKey(keys.dead(service));
    return n;
  }

  async ping(): Promise<void> {
    await this.transport.ping();
  }

  /** Stops every consumer (draining within `graceMs`) and closes connections. */
  async close(graceMs = 0): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.stop(graceMs)));
    this.consumers.clear();
    for (const unsub of this.resultSubs.values()) await (await unsub.catch(() => async () => undefined))();
    await this.transport.close();
  }
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
