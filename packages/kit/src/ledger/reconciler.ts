import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import { keys } from '../bus/keys.js';
import type { Database } from '../db/schema.js';

export interface ReconcilerOptions {
  /** A queued/active job not finished this long after it was due is checked. */
  reconcileAfterMs: number;
  intervalMs: number;
  batch: number;
}

/** Key of the transaction-scoped advisory lock: one reconciler acts at a time. */
const LOCK_KEY = 0x6269_6761; // "biga"

/**
 * Re-sends durable jobs whose Redis copy is gone (Redis flushed or restarted
 * without persistence): rows still queued or active past their check time
 * whose id is not in `<service>.ledger`. Jobs Redis still holds are left
 * alone; they are only slow.
 */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private services: string[] = [];

  constructor(private readonly db: Kysely<Database>, private readonly bus: Bus, private readonly log: Logger, private readonly o: ReconcilerOptions) {}

  start(services: string[]): void {
    this.services = services;
    this.timer = setInterval(() => {
      this.running ??= this.runOnce()
        .catch((err) => this.log.warn({ err: (err as Error).message }, 'reconciler pass failed'))
        .finally(() => (this.running = undefined));
    }, this.o.intervalMs);
    this.timer.unref();
  }

  /** One pass; returns how many jobs were re-sent, or null when another instance holds the lock. */
  async runOnce(services = this.services): Promise<number | null> {
    if (services.length === 0) return 0;
    return this.db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${LOCK_KEY}) as locked`.execute(trx);
      if (!rows[0]?.locked) return null;
      const due = await trx
        .selectFrom('jobs')
        .select(['id', 'service', 'type', 'payload', 'attempts', 'max_attempts', 'trace_id'])
        .where('status', 'in', ['queued', 'active'])
        .where('service', 'in', services)
        .where('next_check_at', '<=', new Date())
        .orderBy('next_check_at')
        .limit(this.o.batch)
        .forUpdate()
        .skipLocked()
        .execute();
      if (due.length === 0) return 0;
      let resent = 0;
      const bySvc = new Map<string, typeof due>();
      for (const j of due) bySvc.set(j.service, [...(bySvc.get(j.service) ?? []), j]);
      for (const [service, jobs] of bySvc) {
        const present = await this.bus.transport.tracked(keys.ledger(service), jobs.map((j) => j.id));
        const lost = jobs.filter((_, i) => !present[i]);
        for (const j of lost) {
          await this.bus.enqueue(service, j.type, j.payload, {
            id: j.id,
            track: true,
            maxAttempts: j.max_attempts,
            attempt: j.attempts + 1,
            ...(j.trace_id ? { traceparent: `00-${j.trace_id}-${'0'.repeat(15)}1-01` } : {}),
          });
          resent++;
        }
        if (lost.length) this.log.warn({ service, resent: lost.length }, 'reconciler re-sent durable jobs whose Redis copy was lost');
      }
      await trx
        .updateTable('jobs')
        .set({ next_check_at: new Date(Date.now() + this.o.reconcileAfterMs) })
        .where('id', 'in', due.map((j) => j.id))
        .execute();
      return resent;
    });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
