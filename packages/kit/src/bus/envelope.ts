import { randomBytes, randomUUID } from 'node:crypto';
import {
  ENVELOPE_VERSION,
  JobEnvelope,
  type DeadLetter,
  type DeadReason,
  type ErrorInfo,
  type JobStatusValue,
  type JobContract,
} from '@bigapp/contracts';

/** Pure envelope logic: building, parsing and classifying bus messages. */

export function newJobId(): string {
  return randomUUID();
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function isTraceparent(s: unknown): s is string {
  return typeof s === 'string' && TRACEPARENT.test(s) && !/^0+$/.test(s.slice(3, 35));
}

/** A new W3C traceparent: the given trace continued with a new span, or a new trace. */
export function childTraceparent(parent?: string): string {
  const span = randomBytes(8).toString('hex');
  if (parent && isTraceparent(parent)) return `00-${parent.slice(3, 35)}-${span}-${parent.slice(53, 55)}`;
  return `00-${randomBytes(16).toString('hex')}-${span}-01`;
}

export function traceIdOf(traceparent: string): string {
  return traceparent.slice(3, 35);
}

export interface BuildOptions {
  id?: string;
  maxAttempts: number;
  timeoutMs?: number;
  traceparent?: string;
  key?: string;
  reply?: boolean;
}

export function buildEnvelope(service: string, type: string, data: unknown, o: BuildOptions): JobEnvelope & { reply?: boolean } {
  const env: JobEnvelope & { reply?: boolean } = {
    v: ENVELOPE_VERSION,
    id: o.id ?? newJobId(),
    service,
    type,
    data,
    attempt: 1,
    maxAttempts: o.maxAttempts,
    ts: Date.now(),
    traceparent: isTraceparent(o.traceparent) ? o.traceparent : childTraceparent(),
  };
  if (o.timeoutMs !== undefined) env.timeoutMs = o.timeoutMs;
  if (o.key !== undefined) env.key = o.key;
  if (o.reply) env.reply = true;
  return env;
}

export type Classified =
  | { ok: true; env: JobEnvelope & { reply?: boolean }; data: unknown; contract: JobContract }
  | { ok: false; reason: DeadReason; error: string; id?: string; type?: string; env?: JobEnvelope };

function describeIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/**
 * Decides what a taken message is. Never throws: anything that is not a
 * valid job for this service becomes a reason for the dead-letter list.
 */
export function classify(raw: string, service: string, maxBytes: number, contractFor: (type: string) => JobContract | undefined): Classified {
  if (raw.length > maxBytes || Buffer.byteLength(raw) > maxBytes) {
    return { ok: false, reason: 'too_large', error: `message is ${Buffer.byteLength(raw)} bytes; the limit is ${maxBytes}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    return { ok: false, reason: 'invalid_json', error: `not JSON: ${(err as Error).message}` };
  }
  const obj = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  const id = typeof obj?.id === 'string' ? obj.id : undefined;
  const type = typeof obj?.type === 'string' ? obj.type : undefined;
  const idType = { ...(id === undefined ? {} : { id }), ...(type === undefined ? {} : { type }) };
  if (obj && obj.v !== undefined && obj.v !== ENVELOPE_VERSION) {
    return { ok: false, reason: 'unsupported_version', error: `envelope version ${JSON.stringify(obj.v)} is not supported (this worker reads v${ENVELOPE_VERSION})`, ...idType };
  }
  const env = JobEnvelope.safeParse(parsed);
  if (!env.success) {
    return { ok: false, reason: 'invalid_envelope', error: `not a v${ENVELOPE_VERSION} job envelope: ${describeIssues(env.error.issues)}`, ...idType };
  }
  if (env.data.service !== undefined && env.data.service !== service) {
    return { ok: false, reason: 'invalid_envelope', error: `envelope names service "${env.data.service}" but was taken from ${service}.queue`, ...idType, env: env.data };
  }
  const contract = contractFor(env.data.type);
  if (!contract) {
    return { ok: false, reason: 'unknown_type', error: `service "${service}" has no job type "${env.data.type}"`, ...idType, env: env.data };
  }
  const data = contract.data.safeParse(env.data.data);
  if (!data.success) {
    return { ok: false, reason: 'invalid_data', error: `data does not match ${service}.${env.data.type}: ${describeIssues(data.error.issues)}`, ...idType, env: env.data };
  }
  return { ok: true, env: env.data, data: data.data, contract };
}

export interface StatusFields {
  status: JobStatusValue;
  worker: string;
  startedAt: number;
  result?: unknown;
  error?: ErrorInfo;
  retryAt?: number;
}

export function buildStatus(env: Pick<JobEnvelope, 'id' | 'type' | 'attempt' | 'traceparent'>, service: string, f: StatusFields): string {
  const now = Date.now();
  const s: Record<string, unknown> = {
    v: ENVELOPE_VERSION,
    id: env.id,
    service,
    type: env.type,
    status: f.status,
    attempt: env.attempt,
    ts: now,
    durationMs: now - f.startedAt,
    worker: f.worker,
  };
  if (f.result !== undefined) s.result = f.result;
  if (f.error) s.error = f.error;
  if (f.retryAt !== undefined) s.retryAt = f.retryAt;
  if (env.traceparent) s.traceparent = env.traceparent;
  return JSON.stringify(s);
}

const PREVIEW_BYTES = 4096;

export function buildDead(raw: string, reason: DeadReason, error: string, worker: string, ids: { id?: string; type?: string }): string {
  const tooBig = reason === 'too_large';
  const d: DeadLetter = {
    v: ENVELOPE_VERSION,
    reason,
    error: error.slice(0, 2000),
    // A too-large message is kept as a preview only: the dead list must not become the memory problem.
    raw: tooBig ? raw.slice(0, PREVIEW_BYTES) : raw,
    ts: Date.now(),
    worker,
  };
  if (tooBig) d.rawBytes = Buffer.byteLength(raw);
  if (ids.id !== undefined) d.id = ids.id;
  if (ids.type !== undefined) d.type = ids.type;
  return JSON.stringify(d);
}

/** The envelope of the next attempt. */
export function nextAttempt(raw: string, env: JobEnvelope): string {
  const o = JSON.parse(raw) as Record<string, unknown>;
  o.attempt = env.attempt + 1;
  return JSON.stringify(o);
}
