import type { EventName, EventPayload, StatusEnvelope, DeadLetter } from '@bigapp/contracts';

/** What a handler is given besides its data. */
export interface JobContext {
  jobId: string;
  service: string;
  type: string;
  attempt: number;
  maxAttempts: number;
  traceparent: string;
  /** Aborted when the attempt times out or the worker is forced to stop. */
  signal: AbortSignal;
  log: import('pino').Logger;
  publish<E extends EventName>(event: E, payload: EventPayload<E>): Promise<void>;
}

export interface EnqueueOptions {
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number;
  maxAttempts?: number;
  /** Per-attempt time limit the worker applies. */
  timeoutMs?: number;
  /** `high` jobs are taken before everything already queued. */
  priority?: 'normal' | 'high';
  /** A second enqueue with the same key within the window is not queued again. */
  idempotencyKey?: string;
  idempotencyWindowMs?: number;
  /** Caller-chosen job id (e.g. the ledger row's id). */
  id?: string;
  traceparent?: string;
  /** Keep the final status where waitFor() in any process can read it. */
  reply?: boolean;
  /** Mark the id in `<service>.ledger` (durable jobs; see the job ledger). */
  track?: boolean;
  /** Attempt number to write (re-sending a durable job after its Redis copy was lost). */
  attempt?: number;
}

export interface EnqueueResult {
  id: string;
  /** False when an idempotency key matched an earlier job (id is that job's). */
  enqueued: boolean;
}

export interface QueueStats {
  service: string;
  queued: number;
  inflight: number;
  delayed: number;
  dead: number;
  done: number;
  consumers: ConsumerInfo[];
}

export interface ConsumerInfo {
  id: string;
  alive: boolean;
  inflight: number;
  host?: string;
  pid?: number;
  version?: string;
  startedAt?: number;
  heartbeatAt?: number;
}

export type StatusHandler = (status: StatusEnvelope) => Promise<void> | void;
export type EventHandler<E extends EventName> = (payload: EventPayload<E>) => void;

export interface DeadListEntry extends DeadLetter {
  /** The stored string, needed to retry or remove exactly this entry. */
  stored: string;
}
