import type { Bus } from '@bigapp/kit';
import type { Database } from '@bigapp/kit/db';
import type { Kysely } from 'kysely';

/** Services whose jobs the web service records in the jobs table (it consumes their done lists). */
export const LEDGER_SERVICES = ['image', 'export', 'import'] as const;
const HOUR = 3600_000;
const MINUTE = 60_000;

export type { ConsumerView, ServiceOverview, HistoryPoint, Overview } from '@bigapp/contracts';
import type { ConsumerView, ServiceOverview, HistoryPoint, Overview } from '@bigapp/contracts';

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[i]! * 10) / 10;
}

interface Finished {
  /** Finish times (epoch ms) in the last hour, and handler durations. */
  times: number[];
  durations: number[];
  failed: number;
}

async function fromLedger(db: Kysely<Database>, service: string, now: number): Promise<Finished> {
  const rows = await db
    .selectFrom('jobs')
    .select(['finished_at', 'status', 'attempt_log'])
    .where('service', '=', service)
    .where('finished_at', '>', new Date(now - HOUR))
    .orderBy('finished_at', 'desc')
    .limit(10_000)
    .execute();
  const out: Finished = { times: [], durations: [], failed: 0 };
  for (const r of rows) {
    if (r.finished_at) out.times.push(r.finished_at.getTime());
    if (r.status !== 'succeeded') out.failed++;
    for (const a of r.attempt_log ?? []) if (typeof a.durationMs === 'number') out.durations.push(a.durationMs);
  }
  return out;
}

async function fromDoneList(bus: Bus, service: string, now: number): Promise<Finished> {
  const raws = await bus.transport.range(`${service}.done`, 0, 999);
  const out: Finished = { times: [], durations: [], failed: 0 };
  for (const raw of raws) {
    let s: { status?: unknown; ts?: unknown; durationMs?: unknown };
    try {
      s = JSON.parse(raw) as typeof s;
    } catch {
      continue;
    }
    if (typeof s.ts !== 'number' || s.ts <= now - HOUR) continue;
    if (typeof s.durationMs === 'number') out.durations.push(s.durationMs);
    if (s.status === 'retrying') continue;
    out.times.push(s.ts);
    if (s.status !== 'succeeded') out.failed++;
  }
  return out;
}

export interface ServiceSample {
  overview: ServiceOverview;
  finishTimes: number[];
}

export async function serviceOverview(db: Kysely<Database>, bus: Bus, service: string, now = Date.now()): Promise<ServiceSample> {
  const ledger = (LEDGER_SERVICES as readonly string[]).includes(service);
  const [stats, fin] = await Promise.all([bus.stats(service), ledger ? fromLedger(db, service, now) : fromDoneList(bus, service, now)]);
  const lastMinute = fin.times.filter((t) => t > now - MINUTE).length;
  const sorted = fin.durations.sort((a, b) => a - b);
  const consumers: ConsumerView[] = stats.consumers.map((c) => {
    const x = c as unknown as Record<string, unknown>;
    const num = (k: string) => (typeof x[k] === 'number' ? (x[k] as number) : undefined);
    const str = (k: string) => (typeof x[k] === 'string' ? (x[k] as string) : undefined);
    return {
      id: String(x.id), alive: Boolean(x.alive), inflight: num('inflight') ?? 0, host: str('host'), pid: num('pid'), instance: str('instance'),
      version: str('version'), role: str('role'), startedAt: num('startedAt'), heartbeatAt: num('heartbeatAt'),
    };
  });
  return {
    finishTimes: fin.times,
    overview: {
      service,
      source: ledger ? 'ledger' : 'done-list',
      queued: stats.queued,
      inflight: stats.inflight,
      delayed: stats.delayed,
      dead: stats.dead,
      doneLastMinute: lastMinute,
      doneLastHour: fin.times.length,
      failedLastHour: fin.failed,
      jobsPerSecond: Math.round((lastMinute / 60) * 100) / 100,
      p50Ms: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
      consumersAlive: consumers.filter((c) => c.alive).length,
      consumers,
    },
  };
}

/**
 * Queue depth and throughput history of this web process: a sample every
 * `intervalMs` (10 s), the last hour kept in a ring buffer.
 */
export class OpsSampler {
  private readonly points: HistoryPoint[] = [];
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  private running: Promise<void> | undefined;

  constructor(
    private readonly sample: (now: number) => Promise<ServiceSample[]>,
    readonly intervalMs = 10_000,
    private readonly keepMs = HOUR,
  ) {}

  start(): void {
    this.last = Date.now();
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Takes one sample now (also what the timer does). Errors are dropped: the next tick tries again. */
  tick(): Promise<void> {
    this.running ??= (async () => {
      try {
        const now = Date.now();
        const all = await this.sample(now);
        const since = this.last;
        this.last = now;
        this.record(now, all, since);
      } catch {
        /* the bus or database is briefly unavailable */
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  record(now: number, all: ServiceSample[], since: number): void {
    const point: HistoryPoint = { t: now, queued: {}, done: {} };
    for (const s of all) {
      point.queued[s.overview.service] = s.overview.queued + s.overview.delayed;
      point.done[s.overview.service] = s.finishTimes.filter((t) => t > since && t <= now).length;
    }
    this.points.push(point);
    const max = Math.ceil(this.keepMs / this.intervalMs) + 1;
    while (this.points.length > max || (this.points[0] && this.points[0].t < now - this.keepMs)) this.points.shift();
  }

  history(): { intervalMs: number; points: HistoryPoint[] } {
    return { intervalMs: this.intervalMs, points: [...this.points] };
  }
}

