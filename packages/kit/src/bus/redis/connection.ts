import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Connections wait out a Redis restart instead of failing their commands:
 * commands queue while disconnected and are sent (or re-sent) on reconnect.
 */
export function connectRedis(url: string, name: string, log?: Logger, extra: RedisOptions = {}): Redis {
  const client = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    autoResendUnfulfilledCommands: true,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), 2_000),
    ...extra,
  });
  let down = false;
  client.on('error', (err: Error) => {
    // Logged once per outage: ioredis repeats the error on every reconnect attempt.
    if (!down) log?.warn({ err: err.message, redis: name }, 'redis connection lost; reconnecting');
    down = true;
  });
  client.on('ready', () => {
    if (down) log?.info({ redis: name }, 'redis connection restored');
    down = false;
  });
  return client;
}
