import type { Source, ServiceKeys } from './keys.js';
import type { QueueStats } from './types.js';

/**
 * How one taken message ends. Applied only while `raw` is still in the
 * consumer's in-flight list: a job a reaper already handed back is not
 * acknowledged twice.
 */
export interface SettleOp {
  raw: string;
  /** Status envelope for `<service>.done`. */
  status?: string;
  /** Dead letter for `<service>.dead`. */
  dead?: string;
  /** The next attempt, for `<service>.delayed` at `at` (epoch ms). */
  retry?: { raw: string; at: number };
  /** Keep the status for waitFor() under `<service>.result.<id>` and publish it. */
  reply?: { id: string; ttlMs: number };
}

export type PushTarget =
  | { kind: 'list'; key: string; end: 'back' | 'front' }
  | { kind: 'delayed'; key: string; at: number };

/**
 * The atomic steps of the bus, one method per step. Two drivers implement it:
 * Redis (Lua scripts and list commands) and in-process memory. Orchestration
 * (validation, retries, concurrency, draining) lives above, shared by both.
 */
export interface Transport {
  readonly kind: 'redis' | 'memory';
  push(target: PushTarget, raws: string[]): Promise<void>;
  /** Pushes unless `idemKey` is held; returns the earlier job id when held. */
  pushIdempotent(target: PushTarget, raw: string, id: string, idemKey: string, windowMs: number): Promise<string | null>;
  /** Pushes and marks `id` in the tracking set, atomically. */
  pushTracked(target: PushTarget, raw: string, id: string, trackKey: string): Promise<void>;
  /** Which of `ids` are in the tracking set. */
  tracked(trackKey: string, ids: string[]): Promise<boolean[]>;
  untrack(trackKey: string, ids: string[]): Promise<void>;
  /** Settles `ops`, then moves up to `takeMax` messages from the source into the consumer's in-flight list. */
  step(src: Source, consumer: string, sk: ServiceKeys, ops: SettleOp[], takeMax: number): Promise<{ settled: boolean[]; taken: string[] }>;
  /** Waits up to `timeoutMs` for one message and moves it into the in-flight list. */
  takeBlocking(src: Source, consumer: string, timeoutMs: number): Promise<string | null>;
  /** Returns in-flight messages (all when `raws` is omitted) to the consumer end of the source list. */
  handBack(src: Source, consumer: string, raws?: string[]): Promise<number>;
  heartbeat(src: Source, consumer: string, info: string, ttlMs: number): Promise<void>;
  deregister(src: Source, consumer: string): Promise<void>;
  /** Returns the in-flight messages of consumers whose heartbeat expired; null when another reaper holds the lock. */
  reap(src: Source, owner: string, lockTtlMs: number): Promise<{ moved: number; reaped: string[] } | null>;
  promote(delayedKey: string, listKey: string, now: number, max: number): Promise<number>;
  stats(service: string): Promise<Omit<QueueStats, 'service'>>;
  range(key: string, start: number, stop: number): Promise<string[]>;
  /** Removes one occurrence of `value` from the list and pushes `pushRaw` onto `pushTo` (atomically). */
  moveEntry(fromList: string, value: string, push?: { target: PushTarget; raw: string }): Promise<boolean>;
  deleteKey(key: string): Promise<number>;
  getString(key: string): Promise<string | null>;
  setString(key: string, value: string, ttlMs?: number): Promise<void>;
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, fn: (message: string) => void): Promise<() => Promise<void>>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
