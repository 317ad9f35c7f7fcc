import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's Prometheus metrics. Names and labels are listed in
 * docs/operations.md; keep the two in step.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly jobsTaken: Counter<'service' | 'type'>;
  readonly jobsDone: Counter<'service' | 'type' | 'status'>;
  readonly jobsFailed: Counter<'service' | 'type'>;
  readonly jobsRetried: Counter<'service' | 'type'>;
  readonly jobsDead: Counter<'service' | 'reason'>;
  readonly handlerSeconds: Histogram<'service' | 'type' | 'status'>;
  readonly queueDepth: Gauge<'service' | 'state'>;
  readonly enqueued: Counter<'service' | 'type'>;

  constructor(labels: Record<string, string> = {}, collectQueueDepth?: () => Promise<{ service: string; state: string; value: number }[]>) {
    this.registry.setDefaultLabels(labels);
    collectDefaultMetrics({ register: this.registry, prefix: 'bigapp_' });
    const registers = [this.registry];
    this.enqueued = new Counter({ name: 'bigapp_jobs_enqueued_total', help: 'Jobs pushed onto a queue by this process', labelNames: ['service', 'type'], registers });
    this.jobsTaken = new Counter({ name: 'bigapp_jobs_taken_total', help: 'Messages taken from <service>.queue', labelNames: ['service', 'type'], registers });
    this.jobsDone = new Counter({ name: 'bigapp_jobs_done_total', help: 'Job attempts finished, by status written to <service>.done', labelNames: ['service', 'type', 'status'], registers });
    this.jobsFailed = new Counter({ name: 'bigapp_jobs_failed_total', help: 'Handler attempts that threw or timed out', labelNames: ['service', 'type'], registers });
    this.jobsRetried = new Counter({ name: 'bigapp_jobs_retried_total', help: 'Failed attempts scheduled again with backoff', labelNames: ['service', 'type'], registers });
    this.jobsDead = new Counter({ name: 'bigapp_jobs_dead_total', help: 'Messages moved to <service>.dead, by reason', labelNames: ['service', 'reason'], registers });
    this.handlerSeconds = new Histogram({
      name: 'bigapp_job_handler_duration_seconds',
      help: 'Handler run time per attempt',
      labelNames: ['service', 'type', 'status'],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60],
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'bigapp_queue_depth',
      help: 'Messages per service and state (queued, inflight, delayed, dead, done), read at scrape time',
      labelNames: ['service', 'state'],
      registers,
      collect: collectQueueDepth
        ? async () => {
            try {
              for (const d of await collectQueueDepth()) this.queueDepth.set({ service: d.service, state: d.state }, d.value);
            } catch {
              // A scrape during a Redis outage still returns the other metrics.
            }
          }
        : undefined,
    });
  }
}
