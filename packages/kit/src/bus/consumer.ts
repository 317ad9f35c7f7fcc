import type { Logger } from 'pino';
import { keys, type Source, type ServiceKeys } from './keys.js';
import type { SettleOp, Transport } from './transport.js';

export interface ConsumerOptions {
  id: string;
  concurrency: number;
  /**
   * Messages taken ahead of free handler slots. They wait in this consumer's
   * in-flight list (so a crash still returns them) and save a round trip per
   * job; good for short jobs, 0 for long ones (an autoscaler counts only what
   * is still in the queue).
   */
  prefetch?: number;
  /** Heartbeat value (JSON): host, pid, version, start time. */
  info: Record<string, unknown>;
  heartbeatMs: number;
  /** A consumer whose heartbeat is older than this is presumed dead and reaped. */
  ttlMs: number;
  blockMs: number;
  /** Also move due delayed jobs from this zset to the source list. */
  promote?: { delayedKey: string };
  promoteMs?: number;
  log: Logger;
}

/** What processing one message decided; `handBack` returns it to the list untouched. */
export type Outcome = SettleOp | { handBack: true; raw: string };

/** An outcome waits at most this long for a step to carry it (bounds acknowledgement latency). */
const SETTLE_DELAY_MS = 2;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Takes messages reliably from one list: each taken message sits in this
 * consumer's in-flight list until its outcome is settled, in batches, in the
 * same atomic step that takes the next messages. Heartbeats keep the
 * in-flight list ours; the reaper (any consumer holding the lock) returns the
 * in-flight lists of consumers whose heartbeat expired.
 */
export class Consumer {
  private active = new Map<number, string>();
  private seq = 0;
  /** Taken, not started (prefetch). */
  private buffer: string[] = [];
  /** Aborted when stop() gives up waiting: handlers see it as ctx.signal. */
  private readonly stopAbort = new AbortController();
  private settleTimer: NodeJS.Timeout | undefined;
  private pending: SettleOp[] = [];
  private handBacks: string[] = [];
  private stopping = false;
  private blocked = false;
  private flushScheduled = false;
  private slotWaiter: (() => void) | undefined;
  /** A completion happened since the loop last looked (it may have been busy awaiting a step). */
  private changed = false;
  private timers: NodeJS.Timeout[] = [];
  private loopDone: Promise<void> = Promise.resolve();
  private lastErrorLog = 0;
  private suspects = new Map<string, number>();

  constructor(
    private readonly transport: Transport & { releaseBlocker?(consumer: string): void },
    private readonly src: Source,
    private readonly sk: ServiceKeys,
    private readonly o: ConsumerOptions,
    private readonly process: (raw: string, signal: AbortSignal) => Promise<Outcome>,
  ) {}

  get id(): string {
    return this.o.id;
  }

  get inFlight(): number {
    return this.active.size;
  }

  async start(): Promise<void> {
    // Registered before the first take, so a crash right after taking is still reaped.
    await this.beat();
    this.timers.push(setInterval(() => void this.beat(), this.o.heartbeatMs));
    this.timers.push(setInterval(() => void this.reap(), Math.max(this.o.heartbeatMs, 250)));
    if (this.o.promote) this.timers.push(setInterval(() => void this.promote(), this.o.promoteMs ?? 250));
    this.timers.push(setInterval(() => void this.sweepOrphans(), Math.max(this.o.heartbeatMs * 5, 1_000)));
    for (const t of this.timers) t.unref();
    this.loopDone = this.loop();
  }

  private async beat(): Promise<void> {
    try {
      await this.transport.heartbeat(this.src, this.o.id, JSON.stringify({ ...this.o.info, heartbeatAt: Date.now() }), this.o.ttlMs);
    } catch (err) {
      this.logError(err, 'heartbeat failed');
    }
  }

  private async reap(): Promise<void> {
    try {
      const r = await this.transport.reap(this.src, this.o.id, this.o.heartbeatMs * 2);
      if (r && r.reaped.length) this.o.log.warn({ list: this.src.list, consumers: r.reaped, returned: r.moved }, 'returned in-flight messages of dead consumers');
    } catch (err) {
      this.logError(err, 'reaper failed');
    }
  }

  private async promote(): Promise<void> {
    if (!this.o.promote) return;
    try {
      while ((await this.transport.promote(this.o.promote.delayedKey, this.src.list, Date.now(), 500)) === 500) {
        /* more are due */
      }
    } catch (err) {
      this.logError(err, 'promoting delayed jobs failed');
    }
  }

  /**
   * A take whose reply was lost (the connection dropped after Redis ran it)
   * leaves messages in our in-flight list that we never saw; the reaper will
   * not touch them while we are alive. Messages found there, unknown to us,
   * in two sweeps in a row are handed back.
   */
  private async sweepOrphans(): Promise<void> {
    if (this.stopping) return;
    try {
      const remote = await this.transport.range(keys.inflight(this.src, this.o.id), 0, -1);
      const known = new Map<string, number>();
      const add = (raw: string) => known.set(raw, (known.get(raw) ?? 0) + 1);
      for (const raw of this.active.values()) add(raw);
      for (const raw of this.buffer) add(raw);
      for (const op of this.pending) add(op.raw);
      for (const raw of this.handBacks) add(raw);
      const orphans = new Map<string, number>();
      for (const raw of remote) {
        const k = known.get(raw) ?? 0;
        if (k > 0) known.set(raw, k - 1);
        else orphans.set(raw, (orphans.get(raw) ?? 0) + 1);
      }
      const confirmed: string[] = [];
      for (const [raw, n] of orphans) {
        const before = this.suspects.get(raw) ?? 0;
        for (let i = 0; i < Math.min(n, before); i++) confirmed.push(raw);
      }
      this.suspects = orphans;
      if (confirmed.length) {
        const moved = await this.transport.handBack(this.src, this.o.id, confirmed);
        for (const raw of confirmed) this.suspects.delete(raw);
        this.o.log.warn({ list: this.src.list, returned: moved }, 'returned in-flight messages whose take reply was lost');
      }
    } catch (err) {
      this.logError(err, 'in-flight sweep failed');
    }
  }

  private logError(err: unknown, msg: string): void {
    // At most one line per second: an outage must not flood the log.
    if (Date.now() - this.lastErrorLog < 1_000) return;
    this.lastErrorLog = Date.now();
    this.o.log.warn({ err: (err as Error)?.message ?? String(err), list: this.src.list }, msg);
  }

  private get capacity(): number {
    return this.o.concurrency + (this.o.prefetch ?? 0);
  }

  /** Starts buffered messages while handler slots are free. */
  private fill(): void {
    while (this.active.size < this.o.concurrency && this.buffer.length > 0 && !this.stopping) this.run(this.buffer.shift()!);
  }

  private async loop(): Promise<void> {
    let failures = 0;
    // Refill when the buffer is down to half the prefetch: the next batch arrives while the rest runs.
    const low = Math.floor((this.o.prefetch ?? 0) / 2);
    // Waits for the next completion, unless one already happened while the loop was busy.
    const nextCompletion = async () => {
      if (this.changed) return;
      await new Promise<void>((r) => (this.slotWaiter = r));
    };
    while (!this.stopping) {
      this.changed = false;
      this.fill();
      const room = this.capacity - this.active.size - this.buffer.length;
      if (room <= 0 || this.buffer.length > low) {
        await nextCompletion();
        continue;
      }
      let taken: string[];
      try {
        taken = await this.settleAndTake(room);
        failures = 0;
      } catch (err) {
        this.logError(err, 'take failed; retrying');
        await sleep(Math.min(100 * 2 ** failures++, 2_000));
        continue;
      }
      if (this.stopping) {
        if (taken.length) await this.transport.handBack(this.src, this.o.id, taken).catch(() => undefined);
        break;
      }
      if (taken.length > 0) {
        this.buffer.push(...taken);
        continue;
      }
      if (this.buffer.length > 0) {
        // The queue is empty but work is buffered: the next completion is what changes anything.
        await nextCompletion();
        continue;
      }
      if (this.pending.length) continue;
      this.blocked = true;
      let one: string | null = null;
      try {
        one = await this.transport.takeBlocking(this.src, this.o.id, this.o.blockMs);
      } catch (err) {
        this.logError(err, 'blocking take failed; retrying');
        await sleep(200);
      } finally {
        this.blocked = false;
      }
      if (this.stopping) {
        if (one !== null) this.buffer.push(one); // handed back by stop()
        break;
      }
      if (one !== null) {
        this.run(one);
        // A quick job finishes within microtasks: wait for it (briefly), so the next step carries its outcome.
        await Promise.race([nextCompletion(), sleep(1)]);
      }
    }
  }

  private async settleAndTake(takeMax: number): Promise<string[]> {
    const ops = this.pending;
    this.pending = [];
    try {
      const r = await this.transport.step(this.src, this.o.id, this.sk, ops, takeMax);
      this.checkSettled(ops, r.settled);
      return r.taken;
    } catch (err) {
      // Not settled: keep the outcomes for the next step.
      this.pending = ops.concat(this.pending);
      throw err;
    }
  }

  private checkSettled(ops: SettleOp[], settled: boolean[]): void {
    const lost = settled.filter((s) => !s).length;
    if (lost) this.o.log.warn({ list: this.src.list, lost }, 'outcomes dropped: those messages were reclaimed by the reaper and will run again');
  }

  private run(raw: string): void {
    const token = ++this.seq;
    this.active.set(token, raw);
    this.process(raw, this.stopAbort.signal)
      .then(
        (outcome) => {
          if ('handBack' in outcome) this.handBacks.push(outcome.raw);
          else this.pending.push(outcome);
        },
        (err) => {
          // process() only throws when a stop cut the work short: the message goes back to the list as it was.
          if (!this.stopping) this.o.log.error({ err }, 'message processing threw; handing it back');
          this.handBacks.push(raw);
        },
      )
      .finally(() => {
        this.active.delete(token);
        this.kick();
      });
  }

  private kick(): void {
    this.changed = true;
    const w = this.slotWaiter;
    this.slotWaiter = undefined;
    if (w) w();
    if ((this.blocked || this.stopping) && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => void this.flush());
    } else if (!this.settleTimer && (this.pending.length || this.handBacks.length)) {
      // The loop may not step soon (buffer still full, slots busy): outcomes must not wait long.
      this.settleTimer = setTimeout(() => {
        this.settleTimer = undefined;
        if (this.pending.length || this.handBacks.length) void this.flush();
      }, SETTLE_DELAY_MS);
    }
  }

  /** Settles what is pending without taking more (used while the loop is blocked or stopping). */
  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const backs = this.handBacks.splice(0);
    try {
      if (backs.length) await this.transport.handBack(this.src, this.o.id, backs);
      if (this.pending.length) await this.settleAndTake(0);
    } catch (err) {
      this.handBacks.unshift(...backs);
      this.logError(err, 'settle failed; retrying');
      setTimeout(() => this.kick(), 200).unref();
    }
  }

  /**
   * Stops taking, lets in-flight work finish within `graceMs`, hands back what
   * did not, and leaves nothing in this consumer's in-flight list.
   */
  async stop(graceMs: number): Promise<{ finished: number; handedBack: number }> {
    if (this.stopping) return { finished: 0, handedBack: 0 };
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    this.transport.releaseBlocker?.(this.o.id);
    this.slotWaiter?.();
    // Not started yet: straight back to the list (the final hand-back below moves them).
    this.buffer = [];
    const deadline = Date.now() + graceMs;
    const inFlightAtStop = this.active.size;
    while (this.active.size > 0 && Date.now() < deadline) await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
    const unfinished = [...this.active.values()];
    if (unfinished.length) this.stopAbort.abort(new Error('worker stopping'));
    if (this.settleTimer) clearTimeout(this.settleTimer);
    await Promise.race([this.loopDone, sleep(1_000)]);
    let handedBack = 0;
    // Settle the finished first, then return everything still in flight: nothing stays parked under our name.
    // These are a few quick Redis commands; with Redis down they would only delay the exit (the reaper covers it).
    const finalDeadline = Date.now() + 2_000;
    const bounded = <T>(p: Promise<T>) => Promise.race([p, sleep(Math.max(0, finalDeadline - Date.now())).then(() => { throw new Error('timed out'); })]);
    try {
      if (this.handBacks.length) handedBack += await bounded(this.transport.handBack(this.src, this.o.id, this.handBacks.splice(0)));
      if (this.pending.length) await bounded(this.settleAndTake(0));
      handedBack += await bounded(this.transport.handBack(this.src, this.o.id));
      await bounded(this.transport.deregister(this.src, this.o.id));
    } catch (err) {
      // Redis unreachable: the heartbeat expires and the reaper returns these later; nothing is lost.
      this.o.log.warn({ err: (err as Error).message, list: this.src.list }, 'could not hand back in-flight messages; the reaper will');
    }
    return { finished: inFlightAtStop - unfinished.length, handedBack };
  }
}
