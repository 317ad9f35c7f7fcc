import { EventEmitter } from 'node:events';
import { keys, type Source, type ServiceKeys } from '../keys.js';
import type { PushTarget, SettleOp, Transport } from '../transport.js';
import type { ConsumerInfo, QueueStats } from '../types.js';

/**
 * The in-process driver for the embedded mode. It keeps the same data
 * structures as Redis (lists with a left and a right end, sorted sets,
 * expiring strings) and performs each step synchronously, which gives the
 * same atomicity the Lua scripts give on Redis.
 */
export class MemoryTransport implements Transport {
  readonly kind = 'memory' as const;
  private readonly lists = new Map<string, string[]>();
  private readonly zsets = new Map<string, Map<string, number>>();
  private readonly sets = new Map<string, Set<string>>();
  private readonly strings = new Map<string, { value: string; expiresAt: number }>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly bus = new EventEmitter().setMaxListeners(0);
  private closed = false;

  private list(key: string): string[] {
    let l = this.lists.get(key);
    if (!l) {
      l = [];
      this.lists.set(key, l);
    }
    return l;
  }

  private wake(key: string): void {
    const w = this.waiters.get(key);
    if (!w) return;
    for (const fn of w) fn();
  }

  private lpush(key: string, ...vals: string[]): void {
    const l = this.list(key);
    for (const v of vals) l.unshift(v);
    this.wake(key);
  }

  private rpush(key: string, ...vals: string[]): void {
    this.list(key).push(...vals);
    this.wake(key);
  }

  /** LREM with a negative count: the first match from the right end. */
  private lremFromRight(key: string, value: string): boolean {
    const l = this.lists.get(key);
    if (!l) return false;
    const i = l.lastIndexOf(value);
    if (i < 0) return false;
    l.splice(i, 1);
    return true;
  }

  private rpop(key: string): string | undefined {
    const l = this.lists.get(key);
    return l && l.length > 0 ? l.pop() : undefined;
  }

  private getStr(key: string): string | null {
    const e = this.strings.get(key);
    if (!e) return null;
    if (e.expiresAt && e.expiresAt <= Date.now()) {
      this.strings.delete(key);
      return null;
    }
    return e.value;
  }

  private setStr(key: string, value: string, ttlMs?: number): void {
    this.strings.set(key, { value, expiresAt: ttlMs ? Date.now() + ttlMs : 0 });
  }

  private zadd(key: string, score: number, member: string): void {
    let z = this.zsets.get(key);
    if (!z) {
      z = new Map();
      this.zsets.set(key, z);
    }
    z.set(member, score);
  }

  private pushTo(target: PushTarget, raws: string[]): void {
    if (target.kind === 'delayed') for (const r of raws) this.zadd(target.key, target.at, r);
    else if (target.end === 'front') this.rpush(target.key, ...raws);
    else this.lpush(target.key, ...raws);
  }

  async push(target: PushTarget, raws: string[]): Promise<void> {
    this.pushTo(target, raws);
  }

  async pushIdempotent(target: PushTarget, raw: string, id: string, idemKey: string, windowMs: number): Promise<string | null> {
    const existing = this.getStr(idemKey);
    if (existing !== null) return existing;
    this.setStr(idemKey, id, windowMs);
    this.pushTo(target, [raw]);
    return null;
  }

  async pushTracked(target: PushTarget, raw: string, id: string, trackKey: string): Promise<void> {
    this.set(trackKey).add(id);
    this.pushTo(target, [raw]);
  }

  async tracked(trackKey: string, ids: string[]): Promise<boolean[]> {
    const s = this.sets.get(trackKey);
    return ids.map((id) => s?.has(id) ?? false);
  }

  async untrack(trackKey: string, ids: string[]): Promise<void> {
    const s = this.sets.get(trackKey);
    for (const id of ids) s?.delete(id);
  }

  private set(key: string): Set<string> {
    let s = this.sets.get(key);
    if (!s) {
      s = new Set();
      this.sets.set(key, s);
    }
    return s;
  }

  async step(src: Source, consumer: string, sk: ServiceKeys, ops: SettleOp[], takeMax: number) {
    const inflight = keys.inflight(src, consumer);
    const settled: boolean[] = [];
    const dones: string[] = [];
    const deads: string[] = [];
    for (const op of ops) {
      if (!this.lremFromRight(inflight, op.raw)) {
        settled.push(false);
        continue;
      }
      settled.push(true);
      if (op.status) dones.push(op.status);
      if (op.dead) deads.push(op.dead);
      if (op.retry) this.zadd(sk.delayed, op.retry.at, op.retry.raw);
      if (op.reply && op.status) {
        this.setStr(sk.resultPrefix + op.reply.id, op.status, op.reply.ttlMs);
        const s = op.status;
        setImmediate(() => this.bus.emit(sk.resultsChannel, s));
      }
    }
    if (dones.length) {
      this.lpush(sk.done, ...dones);
      const l = this.list(sk.done);
      if (sk.doneMaxLen && l.length > sk.doneMaxLen) l.length = sk.doneMaxLen;
    }
    if (deads.length) this.lpush(sk.dead, ...deads);
    const taken: string[] = [];
    for (let t = 0; t < takeMax; t++) {
      const v = this.rpop(src.list);
      if (v === undefined) break;
      this.list(inflight).unshift(v);
      taken.push(v);
    }
    return { settled, taken };
  }

  takeBlocking(src: Source, consumer: string, timeoutMs: number): Promise<string | null> {
    const tryTake = (): string | null => {
      const v = this.rpop(src.list);
      if (v === undefined) return null;
      this.list(keys.inflight(src, consumer)).unshift(v);
      return v;
    };
    const now = tryTake();
    if (now !== null || this.closed) return Promise.resolve(now);
    return new Promise((resolve) => {
      let set = this.waiters.get(src.list);
      if (!set) {
        set = new Set();
        this.waiters.set(src.list, set);
      }
      const done = (v: string | null) => {
        clearTimeout(timer);
        set!.delete(waiter);
        this.bus.off(`release:${consumer}`, release);
        resolve(v);
      };
      // Deferred so that a push completes before the waiter takes from it, as a Redis client would see it.
      const waiter = () => queueMicrotask(() => {
        if (!set!.has(waiter)) return;
        const v = tryTake();
        if (v !== null) done(v);
      });
      const release = () => done(null);
      const timer = setTimeout(() => done(null), timeoutMs);
      set.add(waiter);
      this.bus.once(`release:${consumer}`, release);
    });
  }

  releaseBlocker(consumer: string): void {
    this.bus.emit(`release:${consumer}`);
  }

  async handBack(src: Source, consumer: string, raws?: string[]): Promise<number> {
    const inflight = keys.inflight(src, consumer);
    let moved = 0;
    if (!raws) {
      let v: string | undefined;
      while ((v = this.rpop(inflight)) !== undefined) {
        this.rpush(src.list, v);
        moved++;
      }
      return moved;
    }
    for (const r of raws) {
      if (this.lremFromRight(inflight, r)) {
        this.rpush(src.list, r);
        moved++;
      }
    }
    return moved;
  }

  async heartbeat(src: Source, consumer: string, info: string, ttlMs: number): Promise<void> {
    this.setStr(keys.heartbeat(src, consumer), info, ttlMs);
    let s = this.sets.get(keys.consumers(src));
    if (!s) {
      s = new Set();
      this.sets.set(keys.consumers(src), s);
    }
    s.add(consumer);
  }

  async deregister(src: Source, consumer: string): Promise<void> {
    this.strings.delete(keys.heartbeat(src, consumer));
    this.sets.get(keys.consumers(src))?.delete(consumer);
  }

  async reap(src: Source, owner: string, lockTtlMs: number) {
    const lock = keys.reaperLock(src);
    const holder = this.getStr(lock);
    if (holder !== null && holder !== owner) return null;
    this.setStr(lock, owner, lockTtlMs);
    let moved = 0;
    const reaped: string[] = [];
    const set = this.sets.get(keys.consumers(src)) ?? new Set<string>();
    for (const id of [...set]) {
      if (this.getStr(keys.heartbeat(src, id)) !== null) continue;
      const inf = keys.inflight(src, id);
      let v: string | undefined;
      while ((v = this.rpop(inf)) !== undefined) {
        this.rpush(src.list, v);
        moved++;
      }
      set.delete(id);
      reaped.push(id);
    }
    return { moved, reaped };
  }

  async promote(delayedKey: string, listKey: string, now: number, max: number): Promise<number> {
    const z = this.zsets.get(delayedKey);
    if (!z) return 0;
    const due = [...z.entries()].filter(([, s]) => s <= now).sort((a, b) => a[1] - b[1]).slice(0, max).map(([m]) => m);
    for (const m of due) z.delete(m);
    if (due.length) this.lpush(listKey, ...due);
    return due.length;
  }

  async stats(service: string): Promise<Omit<QueueStats, 'service'>> {
    const src = keys.jobSource(service);
    const consumers: ConsumerInfo[] = [];
    let inflight = 0;
    for (const id of this.sets.get(keys.consumers(src)) ?? []) {
      const info = this.getStr(keys.heartbeat(src, id));
      const n = this.lists.get(keys.inflight(src, id))?.length ?? 0;
      inflight += n;
      consumers.push({ id, alive: info !== null, inflight: n, ...(info ? (JSON.parse(info) as object) : {}) });
    }
    return {
      queued: this.lists.get(keys.queue(service))?.length ?? 0,
      inflight,
      delayed: this.zsets.get(keys.delayed(service))?.size ?? 0,
      dead: this.lists.get(keys.dead(service))?.length ?? 0,
      done: this.lists.get(keys.done(service))?.length ?? 0,
      consumers,
    };
  }

  async range(key: string, start: number, stop: number): Promise<string[]> {
    const l = this.lists.get(key) ?? [];
    const n = l.length;
    const s = start < 0 ? Math.max(n + start, 0) : start;
    const e = stop < 0 ? n + stop : Math.min(stop, n - 1);
    return s > e ? [] : l.slice(s, e + 1);
  }

  async moveEntry(fromList: string, value: string, push?: { target: PushTarget; raw: string }): Promise<boolean> {
    const l = this.lists.get(fromList);
    const i = l ? l.indexOf(value) : -1;
    if (!l || i < 0) return false;
    l.splice(i, 1);
    if (push) this.pushTo(push.target, [push.raw]);
    return true;
  }

  async deleteKey(key: string): Promise<number> {
    let n = 0;
    for (const m of [this.lists, this.zsets, this.sets, this.strings] as Map<string, unknown>[]) if (m.delete(key)) n++;
    return n;
  }

  async getString(key: string): Promise<string | null> {
    return this.getStr(key);
  }

  async setString(key: string, value: string, ttlMs?: number): Promise<void> {
    this.setStr(key, value, ttlMs);
  }

  async publish(channel: string, message: string): Promise<void> {
    // Delivered on a later tick, like a message arriving from Redis.
    setImmediate(() => this.bus.emit(channel, message));
  }

  async subscribe(channel: string, fn: (message: string) => void): Promise<() => Promise<void>> {
    this.bus.on(channel, fn);
    return async () => {
      this.bus.off(channel, fn);
    };
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('in-process bus is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const set of this.waiters.values()) for (const w of set) w();
  }
}
