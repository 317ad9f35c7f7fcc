import { z } from 'zod';

/**
 * The operations dashboard's JSON (/api/ops, admin only), shared by the web
 * service, the UI, `bigapp trace` and the tracing store.
 */

export const ConsumerView = z.object({
  id: z.string(),
  alive: z.boolean(),
  inflight: z.number().int(),
  host: z.string().optional(),
  pid: z.number().int().optional(),
  instance: z.string().optional(),
  version: z.string().optional(),
  role: z.string().optional(),
  startedAt: z.number().optional(),
  heartbeatAt: z.number().optional(),
});
export type ConsumerView = z.infer<typeof ConsumerView>;

export const ServiceOverview = z.object({
  service: z.string(),
  /** Where done counts and handler times come from: the job ledger, or the latest statuses in `<service>.done`. */
  source: z.enum(['ledger', 'done-list']),
  queued: z.number().int(),
  inflight: z.number().int(),
  delayed: z.number().int(),
  dead: z.number().int(),
  doneLastMinute: z.number().int(),
  doneLastHour: z.number().int(),
  failedLastHour: z.number().int(),
  jobsPerSecond: z.number(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  consumersAlive: z.number().int(),
  consumers: z.array(ConsumerView),
});
export type ServiceOverview = z.infer<typeof ServiceOverview>;

export const HistoryPoint = z.object({ t: z.number(), queued: z.record(z.string(), z.number()), done: z.record(z.string(), z.number()) });
export type HistoryPoint = z.infer<typeof HistoryPoint>;

export const Overview = z.object({
  at: z.number(),
  services: z.array(ServiceOverview),
  history: z.object({ intervalMs: z.number(), points: z.array(HistoryPoint) }),
});
export type Overview = z.infer<typeof Overview>;

export const DeadEntryView = z.object({
  id: z.string().nullable(),
  type: z.string().nullable(),
  reason: z.string(),
  error: z.string(),
  ts: z.number(),
  worker: z.string().nullable(),
  /** The message, cut to 500 characters. */
  preview: z.string(),
});
export type DeadEntryView = z.infer<typeof DeadEntryView>;

export const SpanView = z.object({
  traceId: z.string(),
  spanId: z.string(),
  parentSpanId: z.string().optional(),
  name: z.string(),
  kind: z.number().int(),
  service: z.string(),
  instance: z.string(),
  startMs: z.number(),
  durationMs: z.number(),
  status: z.enum(['ok', 'error', 'unset']),
  attributes: z.record(z.string(), z.unknown()),
});
export type SpanView = z.infer<typeof SpanView>;

export const AttemptView = z.object({
  attempt: z.number().int(),
  status: z.string(),
  worker: z.string().nullable(),
  durationMs: z.number().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  at: z.string(),
});
export type AttemptView = z.infer<typeof AttemptView>;

/** One durable job as the dashboard and `bigapp trace` show it. */
export const OpsJob = z.object({
  id: z.string(),
  service: z.string(),
  type: z.string(),
  status: z.string(),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  workspaceId: z.string().nullable(),
  traceId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
  payload: z.unknown(),
  result: z.unknown(),
  error: z.unknown(),
  attemptLog: z.array(AttemptView),
  trace: z.array(SpanView),
  /** Why the trace may be incomplete (spans recorded by other processes, or sent to a collector). */
  traceNote: z.string().nullable(),
});
export type OpsJob = z.infer<typeof OpsJob>;
