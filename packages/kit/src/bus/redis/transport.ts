import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { keys, type Source, type ServiceKeys } from '../keys.js';
import type { PushTarget, SettleOp, Transport } from '../transport.js';
import type { ConsumerInfo, QueueStats } from '../types.js';
import { connectRedis } from './connection.js';
import * as scripts from './scripts.js';

type Cmd = (...args: (string | number)[]) => Promise<unknown>;

function pushMode(t: PushTarget): [string, number] {
  if (t.kind === 'delayed') return ['Z', t.at];
  return [t.end === 'front' ? 'R' : 'L', 0];
}

/** The Redis driver: every step one command or one Lua script. */
export class RedisTransport implements Transport {
  readonly kind = 'redis' as const;
  private readonly client: Redis;
  private sub: Redis | undefined;
  private readonly blockers = new Map<string, Redis>();
  private readonly channelHandlers = new Map<string, Set<(m: string) => void>>();
  private closed = false;

  constructor(private readonly url: string, private readonly log?: Logger, private readonly name = 'bigapp') {
    // No auto-pipelining: the bus batches on its own (one LPUSH per burst, one script per step),
    // and a take or settle should leave at once rather than wait for the next tick.
    this.client = connectRedis(url, `${name}:cmd`, log);
    for (const [cmd, lua, numberOfKeys] of [
      ['bigappStep', scripts.STEP, 5],
      ['bigappHeartbeat', scripts.HEARTBEAT, 2],
      ['bigappReap', scripts.REAP, 3],
      ['bigappHandBack', scripts.HAND_BACK, 2],
      ['bigappPromote', scripts.PROMOTE, 2],
      ['bigappPushIdem', scripts.PUSH_IDEMPOTENT, 2],
      ['bigappMoveEntry', scripts.MOVE_ENTRY, 2],
      ['bigappStats', scripts.STATS, 5],
      ['bigappPushTracked', scripts.PUSH_TRACKED, 2],
    ] as const) {
      this.client.defineCommand(cmd, { lua, numberOfKeys });
    }
  }

  private cmd(name: string): Cmd {
    return (this.client as unknown as Record<string, Cmd>)[name]!.bind(this.client);
  }

  async push(target: PushTarget, raws: string[]): Promise<void> {
    if (raws.length === 0) return;
    if (target.kind === 'delayed') {
      const args: (string | number)[] = [];
      for (const r of raws) args.push(target.at, r);
      await this.client.zadd(target.key, ...args);
    } else if (target.end === 'front') {
      await this.client.rpush(target.key, ...raws);
    } else {
      await this.client.lpush(target.key, ...raws);
    }
  }

  async pushIdempotent(target: PushTarget, raw: string, id: string, idemKey: string, windowMs: number): Promise<string | null> {
    const [mode, score] = pushMode(target);
    const r = await this.cmd('bigappPushIdem')(idemKey, target.key, id, raw, windowMs, mode, score);
    return typeof r === 'string' ? r : null;
  }

  async pushTracked(target: PushTarget, raw: string, id: string, trackKey: string): Promise<void> {
    const [mode, score] = pushMode(target);
    await this.cmd('bigappPushTracked')(trackKey, target.key, id, raw, mode, score);
  }

  async tracked(trackKey: string, ids: string[]): Promise<boolean[]> {
    if (ids.length === 0) return [];
    const r = await this.client.smismember(trackKey, ...ids);
    return r.map((x) => x === 1);
  }

  async untrack(trackKey: string, ids: string[]): Promise<void> {
    if (ids.length) await this.client.srem(trackKey, ...ids);
  }

  async step(src: Source, consumer: string, sk: ServiceKeys, ops: SettleOp[], takeMax: number) {
    const args: (string | number)[] = [
      keys.inflight(src, consumer), src.list, sk.done, sk.dead, sk.delayed,
      takeMax, ops.length, sk.resultPrefix, sk.resultsChannel, sk.doneMaxLen ?? 0,
    ];
    for (const op of ops) {
      args.push(op.raw, op.status ?? '', op.dead ?? '', op.retry?.raw ?? '', op.retry?.at ?? 0, op.reply?.id ?? '', op.reply?.ttlMs ?? 0);
    }
    const [settled, taken] = (await this.cmd('bigappStep')(...args)) as [number[], string[]];
    return { settled: settled.map((x) => x === 1), taken };
  }

  private blocker(consumer: string): Redis {
    let b = this.blockers.get(consumer);
    if (!b) {
      b = connectRedis(this.url, `${this.name}:block:${consumer}`, this.log);
      this.blockers.set(consumer, b);
    }
    return b;
  }

  async takeBlocking(src: Source, consumer: string, timeoutMs: number): Promise<string | null> {
    if (this.closed) return null;
    const b = this.blocker(consumer);
    try {
      return await b.blmove(src.list, keys.inflight(src, consumer), 'RIGHT', 'LEFT', Math.max(timeoutMs, 1) / 1000);
    } catch (err) {
      // Closing the blocking connection to stop a consumer rejects its pending BLMOVE.
      if (this.closed || b.status === 'end') return null;
      throw err;
    }
  }

  /** Ends the consumer's blocking connection so a pending take returns at once. */
  releaseBlocker(consumer: string): void {
    const b = this.blockers.get(consumer);
    if (b) {
      this.blockers.delete(consumer);
      b.disconnect();
    }
  }

  async handBack(src: Source, consumer: string, raws?: string[]): Promise<number> {
    return Number(await this.cmd('bigappHandBack')(keys.inflight(src, consumer), src.list, ...(raws ?? [])));
  }

  async heartbeat(src: Source, consumer: string, info: string, ttlMs: number): Promise<void> {
    await this.cmd('bigappHeartbeat')(keys.heartbeat(src, consumer), keys.consumers(src), consumer, info, ttlMs);
  }

  async deregister(src: Source, consumer: string): Promise<void> {
    await this.client.multi().del(keys.heartbeat(src, consumer)).srem(keys.consumers(src), consumer).exec();
  }

  async reap(src: Source, owner: string, lockTtlMs: number) {
    const r = (await this.cmd('bigappReap')(keys.consumers(src), src.list, keys.reaperLock(src), src.prefix, owner, lockTtlMs)) as [number, string[]] | null;
    if (!r) return null;
    return { moved: Number(r[0]), reaped: r[1] };
  }

  async promote(delayedKey: string, listKey: string, now: number, max: number): Promise<number> {
    return Number(await this.cmd('bigappPromote')(delayedKey, listKey, now, max));
  }

  async stats(service: string): Promise<Omit<QueueStats, 'service'>> {
    const src = keys.jobSource(service);
    const [queued, delayed, dead, done, cons] = (await this.cmd('bigappStats')(
      keys.queue(service), keys.delayed(service), keys.dead(service), keys.done(service), keys.consumers(src), src.prefix,
    )) as [number, number, number, number, (string | number)[]];
    const consumers: ConsumerInfo[] = [];
    let inflight = 0;
    for (let i = 0; i < cons.length; i += 3) {
      const info = cons[i + 1] as string;
      const n = Number(cons[i + 2]);
      inflight += n;
      consumers.push({ id: String(cons[i]), alive: info !== '', inflight: n, ...(info ? (JSON.parse(info) as object) : {}) });
    }
    return { queued: Number(queued), inflight, delayed: Number(delayed), dead: Number(dead), done: Number(done), consumers };
  }

  range(key: string, start: number, stop: number): Promise<string[]> {
    return this.client.lrange(key, start, stop);
  }

  async moveEntry(fromList: string, value: string, push?: { target: PushTarget; raw: string }): Promise<boolean> {
    const [mode, score] = push ? pushMode(push.target) : ['', 0];
    const r = await this.cmd('bigappMoveEntry')(fromList, push?.target.key ?? fromList, value, push?.raw ?? '', mode, score);
    return Number(r) === 1;
  }

  deleteKey(key: string): Promise<number> {
    return this.client.del(key);
  }

  getString(key: string): Promise<string | null> {
    return this.client.get(key);
  }

  async setString(key: string, value: string, ttlMs?: number): Promise<void> {
    if (ttlMs) await this.client.set(key, value, 'PX', ttlMs);
    else await this.client.set(key, value);
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.client.publish(channel, message);
  }

  async subscribe(channel: string, fn: (message: string) => void): Promise<() => Promise<void>> {
    if (!this.sub) {
      this.sub = connectRedis(this.url, `${this.name}:sub`, this.log);
      this.sub.on('message', (ch: string, msg: string) => {
        for (const h of this.channelHandlers.get(ch) ?? []) {
          try {
            h(msg);
          } catch (err) {
            this.log?.error({ err, channel: ch }, 'event handler threw');
          }
        }
      });
    }
    let set = this.channelHandlers.get(channel);
    if (!set) {
      set = new Set();
      this.channelHandlers.set(channel, set);
      await this.sub.subscribe(channel);
    }
    set.add(fn);
    return async () => {
      const s = this.channelHandlers.get(channel);
      if (!s) return;
      s.delete(fn);
      if (s.size === 0) {
        this.channelHandlers.delete(channel);
        if (this.sub && this.sub.status === 'ready') await this.sub.unsubscribe(channel);
      }
    };
  }

  async ping(): Promise<void> {
    if (this.client.status !== 'ready') throw new Error(`redis is ${this.client.status}`);
    await this.client.ping();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const b of this.blockers.values()) b.disconnect();
    this.blockers.clear();
    if (this.sub) this.sub.disconnect();
    // QUIT would wait forever while Redis is down (commands queue offline).
    await Promise.race([this.client.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 1_000).unref())]);
    this.client.disconnect();
  }
}
