import { sql, type Kysely, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { StatusEnvelope } from '@bigapp/contracts';
import { AppError } from '../errors.js';
import type { Bus } from '../bus/bus.js';
import type { Consumer } from '../bus/consumer.js';
import { childTraceparent, newJobId, traceIdOf } from '../bus/envelope.js';
import { keys } from '../bus/keys.js';
import type { EnqueueOptions } from '../bus/types.js';
import { toJsonb, type Database, type Job } from '../db/schema.js';
import { rowChangeFor } from './status-map.js';
import { activeTraceparent } from '../tracing/spans.js';
import { Reconciler, type ReconcilerOptions } from './reconciler.js';

export interface DurableJobRef {
  id: string;
  service: string;
  type: string;
  /** False when an idempotency key matched an existing job (id is that job's). */
  created: boolean;
}

type DurableOptions = Pick<EnqueueOptions, 'maxAttempts' | 'timeoutMs' | 'delayMs' | 'idempotencyKey' | 'traceparent' | 'priority'> & {
  /** The workspace the job belongs to (reference app), for membership checks on its status. */
  workspaceId?: string;
};

/** Records jobs inside the caller's transaction; they are pushed to Redis after it commits. */
export class Outbox {
  readonly pending: { ref: DurableJobRef; data: unknown; opts: DurableOptions & { traceparent: string } }[] = [];
  constructor(private readonly trx: Transaction<Database>, private readonly bus: Bus, private readonly reconcileAfterMs: number) {}

  async enqueue(service: string, type: string, data: unknown, opts: DurableOptions = {}): Promise<DurableJobRef> {
    const contract = this.bus.findContract(service, type);
    if (!contract) throw new AppError('job_unknown_type', `no job contract for ${service}.${type}`, { status: 400 });
    const parsed = contract.data.safeParse(data);
    if (!parsed.success) {
      throw new AppError('job_invalid_data', `${service}.${type}: ${parsed.error.issues[0]?.message}`, { status: 400, details: parsed.error.issues });
    }
    const id = newJobId();
    // The caller's trace (e.g. the HTTP request's span) continues into the job.
    const traceparent = opts.traceparent ?? activeTraceparent() ?? childTraceparent();
    const maxAttempts = opts.maxAttempts ?? contract.maxAttempts ?? this.bus.settings.maxAttempts;
    const runAfter = new Date(Date.now() + (opts.delayMs ?? 0));
    const row = await this.trx
      .insertInto('jobs')
      .values({
        id,
        service,
        type,
        payload: toJsonb(parsed.data),
        status: 'queued',
        max_attempts: maxAttempts,
        trace_id: traceIdOf(traceparent),
        idempotency_key: opts.idempotencyKey ?? null,
        workspace_id: opts.workspaceId ?? null,
        run_after: runAfter,
        next_check_at: new Date(runAfter.getTime() + this.reconcileAfterMs),
      })
      .onConflict((oc) => oc.columns(['service', 'idempotency_key']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) {
      const existing = await this.trx.selectFrom('jobs').select('id').where('service', '=', service).where('idempotency_key', '=', opts.idempotencyKey!).executeTakeFirstOrThrow();
      return { id: existing.id, service, type, created: false };
    }
    const ref = { id, service, type, created: true };
    const { workspaceId: _w, ...busOpts } = opts;
    this.pending.push({ ref, data: parsed.data, opts: { ...busOpts, maxAttempts, traceparent } });
    return ref;
  }
}

export interface LedgerOptions extends Partial<ReconcilerOptions> {
  log: Logger;
}

/**
 * The job ledger: PostgreSQL is the record of every durable job, Redis only
 * carries it. A job is inserted in the caller's transaction (outbox), pushed
 * after commit, its row follows the statuses from `<service>.done`, and the
 * reconciler re-sends rows whose Redis copy is gone.
 */
export class JobLedger {
  private readonly consumers: Consumer[] = [];
  private readonly listeners = new Set<(service: string, s: StatusEnvelope) => Promise<void> | void>();
  readonly reconciler: Reconciler;
  private readonly reconcileAfterMs: number;

  constructor(private readonly db: Kysely<Database>, private readonly bus: Bus, private readonly o: LedgerOptions) {
    this.reconcileAfterMs = o.reconcileAfterMs ?? 30_000;
    this.reconciler = new Reconciler(db, bus, o.log, { reconcileAfterMs: this.reconcileAfterMs, intervalMs: o.intervalMs ?? 5_000, batch: o.batch ?? 500 });
  }

  /** Runs `fn` in a transaction; the jobs it enqueues are pushed only if it commits. */
  async transaction<T>(fn: (trx: Transaction<Database>, jobs: Outbox) => Promise<T>): Promise<T> {
    let outbox: Outbox | undefined;
    const result = await this.db.transaction().execute(async (trx) => {
      outbox = new Outbox(trx, this.bus, this.reconcileAfterMs);
      return fn(trx, outbox);
    });
    await this.dispatch(outbox!.pending);
    return result;
  }

  enqueue(service: string, type: string, data: unknown, opts: DurableOptions = {}): Promise<DurableJobRef> {
    return this.transaction((_trx, jobs) => jobs.enqueue(service, type, data, opts));
  }

  private async dispatch(items: Outbox['pending']): Promise<void> {
    await Promise.all(
      items.map(async ({ ref, data, opts }) => {
        try {
          await this.bus.enqueue(ref.service, ref.type, data, { ...opts, id: ref.id, track: true });
        } catch (err) {
          // Committed but not pushed: the row stays queued and the reconciler sends it later.
          this.o.log.warn({ jobId: ref.id, service: ref.service, err: (err as Error).message }, 'durable job not pushed yet; the reconciler will send it');
        }
      }),
    );
  }

  /** Applies one status to its row; idempotent, and a finished row never goes back. */
  async applyStatus(service: string, s: StatusEnvelope): Promise<boolean> {
    const c = rowChangeFor(s);
    const now = new Date();
    const attempt = {
      attempt: s.attempt,
      status: s.status,
      worker: s.worker ?? null,
      durationMs: s.durationMs ?? null,
      error: s.error ? { code: s.error.code, message: s.error.message } : null,
      at: new Date(s.ts).toISOString(),
    };
    const update = await this.db
      .updateTable('jobs')
      .set({
        status: c.status,
        attempts: sql<number>`greatest(attempts, ${c.attempts})`,
        attempt_log: sql<string>`attempt_log || ${JSON.stringify([attempt])}::jsonb`,
        updated_at: now,
        ...(c.result !== undefined ? { result: toJsonb(c.result) } : {}),
        ...(c.error !== undefined ? { error: toJsonb(c.error) } : {}),
        ...(c.finished ? { finished_at: now, next_check_at: null } : {}),
        ...(c.runAfter !== undefined ? { run_after: new Date(c.runAfter), next_check_at: new Date(c.runAfter + this.reconcileAfterMs) } : {}),
      })
      .where('id', '=', s.id)
      .where('service', '=', service)
      .where('status', 'in', ['queued', 'active'])
      .executeTakeFirst();
    if (c.finished) await this.bus.transport.untrack(keys.ledger(service), [s.id]);
    return Number(update.numUpdatedRows) > 0;
  }

  /**
   * Called with each status after it was applied to its row (e.g. to update
   * the rows a job produced, or notify users). A listener that throws makes
   * the status come again later, so listeners must be idempotent.
   */
  onStatus(fn: (service: string, s: StatusEnvelope) => Promise<void> | void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Consumes `<service>.done` for each service into the ledger and starts the reconciler. */
  async start(services: string[]): Promise<void> {
    for (const service of services) {
      this.consumers.push(
        await this.bus.consumeDone(service, async (s) => {
          await this.applyStatus(service, s);
          for (const fn of this.listeners) await fn(service, s);
        }),
      );
    }
    this.reconciler.start(services);
  }

  get(id: string): Promise<Job | undefined> {
    return this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async stop(graceMs = 0): Promise<void> {
    await this.reconciler.stop();
    await Promise.all(this.consumers.splice(0).map((c) => this.bus.stopConsumer(c, graceMs)));
  }
}
