import type { Logger } from 'pino';
import type { JobContract } from '@bigapp/contracts';
import type { Metrics } from '../metrics.js';
import { Bus, type BusSettings } from './bus.js';
import { MemoryCache, RedisCache, type Cache } from './cache.js';
import { MemoryTransport } from './memory/transport.js';
import { connectRedis } from './redis/connection.js';
import { RedisTransport } from './redis/transport.js';

export { Bus, defaultBusSettings, type BusSettings, type WorkerOptions } from './bus.js';
export { Consumer } from './consumer.js';
export { MemoryTransport } from './memory/transport.js';
export { RedisTransport } from './redis/transport.js';
export { connectRedis } from './redis/connection.js';
export { keys, serviceKeys, type Source } from './keys.js';
export { backoffMs } from './backoff.js';
export { classify, buildEnvelope, childTraceparent, isTraceparent, traceIdOf, newJobId } from './envelope.js';
export type { Transport, SettleOp, PushTarget } from './transport.js';
export type * from './types.js';
export { MemoryCache, RedisCache, type Cache } from './cache.js';

export interface BusConnection {
  bus: Bus;
  cache: Cache;
}

/** A Redis bus when `redisUrl` is set, else the in-process one. */
export function openBus(o: {
  redisUrl?: string | undefined;
  cacheUrl?: string | undefined;
  log: Logger;
  settings?: Partial<BusSettings>;
  identity?: { instance: string; version: string };
  metrics?: Metrics;
  name?: string;
  contracts?: Record<string, Record<string, JobContract>>;
}): BusConnection {
  const transport = o.redisUrl ? new RedisTransport(o.redisUrl, o.log, o.name) : new MemoryTransport();
  const bus = new Bus(transport, o.log, o.settings, o.identity, o.metrics, o.contracts);
  const cacheUrl = o.cacheUrl ?? o.redisUrl;
  const cache = cacheUrl ? new RedisCache(connectRedis(cacheUrl, `${o.name ?? 'bigapp'}:cache`, o.log)) : new MemoryCache();
  return { bus, cache };
}
