import type { Redis } from 'ioredis';

/**
 * A small JSON cache. On Redis it lives on REDIS_CACHE_URL (the bus Redis
 * unless split off); in the embedded mode it is an in-process map. Values
 * must be JSON-serialisable.
 */
export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  del(key: string): Promise<void>;
  /** Returns the cached value, or computes, stores and returns it. Concurrent misses in one process compute once. */
  memoize<T>(key: string, ttlMs: number, compute: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const PREFIX = 'cache.';

abstract class BaseCache implements Cache {
  private readonly inflight = new Map<string, Promise<unknown>>();
  abstract get<T>(key: string): Promise<T | undefined>;
  abstract set(key: string, value: unknown, ttlMs: number): Promise<void>;
  abstract del(key: string): Promise<void>;
  abstract close(): Promise<void>;

  async memoize<T>(key: string, ttlMs: number, compute: () => Promise<T>): Promise<T> {
    const hit = await this.get<T>(key);
    if (hit !== undefined) return hit;
    const running = this.inflight.get(key) as Promise<T> | undefined;
    if (running) return running;
    const p = (async () => {
      try {
        const v = await compute();
        await this.set(key, v, ttlMs);
        return v;
      } finally {
        this.inflight.delete(key);
      }
    })();
    this.inflight.set(key, p);
    return p;
  }
}

export class MemoryCache extends BaseCache {
  private readonly map = new Map<string, { json: string; expiresAt: number }>();
  private readonly sweeper = setInterval(() => {
    const now = Date.now();
    for (const [k, v] of this.map) if (v.expiresAt <= now) this.map.delete(k);
  }, 30_000).unref();

  async get<T>(key: string): Promise<T | undefined> {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= Date.now()) {
      this.map.delete(key);
      return undefined;
    }
    // Stored as JSON so callers get a copy and the same values survive as on Redis.
    return JSON.parse(e.json) as T;
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    this.map.set(key, { json: JSON.stringify(value ?? null), expiresAt: Date.now() + ttlMs });
  }

  async del(key: string): Promise<void> {
    this.map.delete(key);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.map.clear();
  }
}

export class RedisCache extends BaseCache {
  constructor(private readonly redis: Redis) {
    super();
  }

  async get<T>(key: string): Promise<T | undefined> {
    const s = await this.redis.get(PREFIX + key);
    return s === null ? undefined : (JSON.parse(s) as T);
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    await this.redis.set(PREFIX + key, JSON.stringify(value ?? null), 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async del(key: string): Promise<void> {
    await this.redis.del(PREFIX + key);
  }

  async close(): Promise<void> {
    await Promise.race([this.redis.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 1_000).unref())]);
    this.redis.disconnect();
  }
}
