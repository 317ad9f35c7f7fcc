import { z } from 'zod';

/**
 * The bus envelope, version 1. This file is the single definition of the wire
 * format described in docs/protocol.md; producers and workers in every
 * language must agree with it. Additive optional fields do not change `v`;
 * readers ignore fields they do not know.
 */
export const ENVELOPE_VERSION = 1 as const;

export const serviceName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,38}[a-z0-9]$/, 'a DNS label: lowercase letters, digits and "-", 2-40 characters');

export const jobType = z
  .string()
  .regex(/^[a-z][a-z0-9_.:-]{0,63}$/, 'lowercase, starts with a letter, at most 64 characters');

export const jobId = z.string().min(1).max(128);

export const JobEnvelope = z.looseObject({
  v: z.literal(ENVELOPE_VERSION),
  id: jobId,
  type: jobType,
  data: z.unknown(),
  /** 1-based number of this delivery attempt. */
  attempt: z.number().int().min(1),
  maxAttempts: z.number().int().min(1).max(1000),
  /** Enqueue time, Unix epoch milliseconds. */
  ts: z.number(),
  service: serviceName.optional(),
  timeoutMs: z.number().int().positive().optional(),
  traceparent: z.string().max(128).optional(),
  key: z.string().max(256).optional(),
});
export type JobEnvelope = z.infer<typeof JobEnvelope>;

export const ErrorInfo = z.looseObject({
  code: z.string(),
  message: z.string(),
});
export type ErrorInfo = z.infer<typeof ErrorInfo>;

export const JOB_STATUSES = ['succeeded', 'failed', 'retrying', 'dead'] as const;
export const JobStatusValue = z.enum(JOB_STATUSES);
export type JobStatusValue = z.infer<typeof JobStatusValue>;
/** Statuses after which the job will not run again on its own. */
export const TERMINAL_STATUSES: readonly JobStatusValue[] = ['succeeded', 'failed', 'dead'];

export const StatusEnvelope = z.looseObject({
  v: z.literal(ENVELOPE_VERSION),
  id: jobId,
  type: z.string(),
  status: JobStatusValue,
  attempt: z.number().int().min(1),
  /** Finish time, Unix epoch milliseconds. */
  ts: z.number(),
  service: z.string().optional(),
  result: z.unknown().optional(),
  error: ErrorInfo.optional(),
  worker: z.string().optional(),
  durationMs: z.number().optional(),
  retryAt: z.number().optional(),
  traceparent: z.string().optional(),
});
export type StatusEnvelope = z.infer<typeof StatusEnvelope>;

export const DEAD_REASONS = [
  'invalid_json',
  'invalid_envelope',
  'unsupported_version',
  'unknown_type',
  'invalid_data',
  'too_large',
  'max_attempts',
  'failed',
] as const;
export const DeadReason = z.enum(DEAD_REASONS);
export type DeadReason = z.infer<typeof DeadReason>;

export const DeadLetter = z.looseObject({
  v: z.literal(ENVELOPE_VERSION),
  reason: DeadReason,
  error: z.string(),
  /** The message as it was taken from the queue (cut to a preview when too large). */
  raw: z.string(),
  rawBytes: z.number().int().optional(),
  id: z.string().optional(),
  type: z.string().optional(),
  worker: z.string().optional(),
  ts: z.number(),
});
export type DeadLetter = z.infer<typeof DeadLetter>;
