import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { Redis } from 'ioredis';
import { defineJob, type JobContract } from '@bigapp/contracts';
import { openBus, createLogger, type Bus, type BusSettings, type Cache } from '@bigapp/kit';

/** Job contracts for test-only services, so each test gets keys of its own. */
export const testJobs: Record<string, JobContract> = {
  echo: defineJob({ description: 'echo', data: z.strictObject({ text: z.string(), delayMs: z.number().int().optional() }), result: z.object({ text: z.string() }) }),
  noop: defineJob({ description: 'noop', data: z.looseObject({ n: z.number().int().optional() }), result: z.null() }),
  boom: defineJob({ description: 'always throws', data: z.object({}), result: z.null() }),
  hang: defineJob({ description: 'never finishes', data: z.object({}), result: z.null() }),
  refuse: defineJob({ description: 'permanent failure', data: z.object({}), result: z.null() }),
};

export const silent = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', pretty: false });

export function uniqueService(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

export interface TestBus {
  bus: Bus;
  cache: Cache;
  service: string;
  close(): Promise<void>;
}

const fast: Partial<BusSettings> = { heartbeatMs: 100, consumerTtlMs: 600, backoffBaseMs: 20, backoffMaxMs: 200, blockMs: 500, promoteMs: 20 };

/** A bus on the given Redis (or in-process when url is undefined) whose only service is fresh. */
export function makeBus(redisUrl: string | undefined, settings: Partial<BusSettings> = {}, service = uniqueService()): TestBus {
  const { bus, cache } = openBus({ redisUrl, log: silent, settings: { ...fast, ...settings }, contracts: { [service]: testJobs } });
  return {
    bus,
    cache,
    service,
    async close() {
      await bus.close(0);
      await cache.close();
    },
  };
}

/** Removes every key of a test service from a shared Redis. */
export async function dropServiceKeys(redisUrl: string, service: string): Promise<void> {
  const r = new Redis(redisUrl, { lazyConnect: false });
  let cursor = '0';
  do {
    const [next, found] = await r.scan(cursor, 'MATCH', `${service}.*`, 'COUNT', 1000);
    cursor = next;
    if (found.length) await r.del(...found);
  } while (cursor !== '0');
  await r.quit();
}

export async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
