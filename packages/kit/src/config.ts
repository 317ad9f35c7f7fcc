import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { parseDbEnv, type DbConfig } from './db/config.js';
import { parseStorageEnv, type StorageConfig } from './storage/config.js';

/**
 * Every environment variable the platform reads, in one schema. A bad or
 * missing value stops start-up with a message naming the variable and the
 * expected form. docs/configuration.md lists the same variables.
 */
const int = (min: number, max: number, def: number) =>
  z.coerce.number({ error: `an integer from ${min} to ${max}` }).int(`an integer from ${min} to ${max}`).min(min, `an integer from ${min} to ${max}`).max(max, `an integer from ${min} to ${max}`).default(def);

const redisUrl = z
  .string()
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'redis:' || u.protocol === 'rediss:';
    } catch {
      return false;
    }
  }, 'a URL like redis://host:6379/0 or rediss://user:pass@host:6380')
  .optional();

export const coreEnvSchema = z.object({
  BIGAPP_ENV: z.enum(['dev', 'test', 'stage', 'prod'], { error: 'one of dev, test, stage, prod' }).default('dev'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'one of fatal, error, warn, info, debug, trace, silent' }).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty'], { error: 'json or pretty' }).optional(),
  REDIS_URL: redisUrl,
  REDIS_CACHE_URL: redisUrl,
  BIGAPP_DATA_DIR: z.string().min(1).default('.data'),
  BIGAPP_OPS_PORT: int(0, 65535, 9400),
  BIGAPP_OPS_HOST: z.string().min(1).default('0.0.0.0'),
  BIGAPP_INSTANCE: z.string().min(1).max(200).optional(),
  BIGAPP_GRACE_MS: int(0, 3_600_000, 25_000),
  BIGAPP_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).optional(),
  BIGAPP_PREFETCH: z.coerce.number({ error: 'an integer from 0 to 10000' }).int().min(0).max(10_000).optional(),
  BIGAPP_MAX_ATTEMPTS: int(1, 1000, 5),
  BIGAPP_JOB_TIMEOUT_MS: int(1, 86_400_000, 60_000),
  BIGAPP_BACKOFF_BASE_MS: int(0, 3_600_000, 1_000),
  BIGAPP_BACKOFF_MAX_MS: int(0, 86_400_000, 300_000),
  BIGAPP_MAX_MESSAGE_BYTES: int(256, 512 * 1024 * 1024, 1_048_576),
  BIGAPP_HEARTBEAT_MS: int(50, 600_000, 2_000),
  BIGAPP_CONSUMER_TTL_MS: int(100, 3_600_000, 10_000),
  BIGAPP_DONE_MAX_LEN: int(0, 100_000_000, 100_000),
  BIGAPP_DEMO_TICK_MS: int(0, 3_600_000, 5_000),
  BIGAPP_AUTO_MIGRATE: z.enum(['true', 'false'], { error: 'true or false' }).optional(),
  BIGAPP_LEDGER_CHECK_AFTER_MS: int(100, 86_400_000, 30_000),
  BIGAPP_LEDGER_INTERVAL_MS: int(50, 3_600_000, 5_000),
  BIGAPP_TRACING: z.enum(['on', 'off'], { error: 'on or off' }).default('on'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ error: 'an http(s) URL like http://otel-collector:4318' }).optional(),
  BIGAPP_TRACE_MEMORY_SPANS: int(100, 10_000_000, 20_000),
  BIGAPP_TRACE_SAMPLES_PER_S: int(0, 1_000_000, 100),
});

export type CoreEnv = z.infer<typeof coreEnvSchema>;

export interface Config {
  env: CoreEnv['BIGAPP_ENV'];
  log: { level: CoreEnv['LOG_LEVEL']; pretty: boolean };
  redisUrl: string | undefined;
  cacheUrl: string | undefined;
  dataDir: string;
  ops: { port: number; host: string };
  instance: string;
  graceMs: number;
  concurrency: number | undefined;
  prefetch: number | undefined;
  bus: {
    maxAttempts: number;
    defaultTimeoutMs: number;
    backoffBaseMs: number;
    backoffMaxMs: number;
    maxMessageBytes: number;
    heartbeatMs: number;
    consumerTtlMs: number;
    doneMaxLen: number;
  };
  /** How often the demo service sends itself a job in dev (0 = never). */
  demoTickMs: number;
  /** Apply pending migrations at start-up (default in dev and test; production migrates through the cmd-pod). */
  autoMigrate: boolean;
  ledger: { checkAfterMs: number; intervalMs: number };
  tracing: { enabled: boolean; otlpEndpoint: string | undefined; memorySpans: number; samplesPerSecond: number };
  db: DbConfig;
  storage: StorageConfig;
  /** The raw environment, for the sections (database, bucket) that parse their own variables. */
  raw: Record<string, string | undefined>;
}

export class ConfigError extends Error {
  readonly code = 'config_invalid';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}\nSee docs/configuration.md.`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Turns zod issues into "VARIABLE: expected ..., got ..." lines. */
export function describeEnvIssues(issues: readonly z.core.$ZodIssue[], env: Record<string, string | undefined>): string[] {
  return issues.map((i) => {
    const name = String(i.path[0] ?? '(environment)');
    const got = env[name];
    return `${name}: expected ${i.message}${got === undefined ? ' (it is not set)' : `, got ${JSON.stringify(got.length > 80 ? `${got.slice(0, 80)}…` : got)}`}`;
  });
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset: `FOO=` in a shell or a ConfigMap means "no value".
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = coreEnvSchema.safeParse(clean);
  const problems = r.success ? [] : describeEnvIssues(r.error.issues, clean);
  // The database and bucket sections parse their own variables; their problems are reported together.
  let db: DbConfig | undefined;
  let storage: StorageConfig | undefined;
  try {
    db = parseDbEnv(clean);
  } catch (err) {
    problems.push((err as Error).message.replace(/^invalid database configuration: /, ''));
  }
  try {
    storage = parseStorageEnv(clean);
  } catch (err) {
    problems.push((err as Error).message.replace(/^invalid (bucket|storage) configuration: /, ''));
  }
  if (!r.success || !db || !storage || problems.length) throw new ConfigError(problems);
  const e = r.data;
  if (e.BIGAPP_CONSUMER_TTL_MS <= e.BIGAPP_HEARTBEAT_MS) {
    throw new ConfigError([`BIGAPP_CONSUMER_TTL_MS: expected more than BIGAPP_HEARTBEAT_MS (${e.BIGAPP_HEARTBEAT_MS}), got ${e.BIGAPP_CONSUMER_TTL_MS}`]);
  }
  return {
    env: e.BIGAPP_ENV,
    log: { level: e.LOG_LEVEL, pretty: e.LOG_FORMAT ? e.LOG_FORMAT === 'pretty' : Boolean(process.stdout.isTTY) },
    redisUrl: e.REDIS_URL,
    cacheUrl: e.REDIS_CACHE_URL,
    dataDir: path.resolve(e.BIGAPP_DATA_DIR),
    ops: { port: e.BIGAPP_OPS_PORT, host: e.BIGAPP_OPS_HOST },
    instance: e.BIGAPP_INSTANCE ?? `${os.hostname()}-${process.pid}`,
    graceMs: e.BIGAPP_GRACE_MS,
    concurrency: e.BIGAPP_CONCURRENCY,
    prefetch: e.BIGAPP_PREFETCH,
    bus: {
      maxAttempts: e.BIGAPP_MAX_ATTEMPTS,
      defaultTimeoutMs: e.BIGAPP_JOB_TIMEOUT_MS,
      backoffBaseMs: e.BIGAPP_BACKOFF_BASE_MS,
      backoffMaxMs: e.BIGAPP_BACKOFF_MAX_MS,
      maxMessageBytes: e.BIGAPP_MAX_MESSAGE_BYTES,
      heartbeatMs: e.BIGAPP_HEARTBEAT_MS,
      consumerTtlMs: e.BIGAPP_CONSUMER_TTL_MS,
      doneMaxLen: e.BIGAPP_DONE_MAX_LEN,
    },
    demoTickMs: e.BIGAPP_ENV === 'dev' ? e.BIGAPP_DEMO_TICK_MS : 0,
    autoMigrate: e.BIGAPP_AUTO_MIGRATE ? e.BIGAPP_AUTO_MIGRATE === 'true' : e.BIGAPP_ENV === 'dev' || e.BIGAPP_ENV === 'test',
    ledger: { checkAfterMs: e.BIGAPP_LEDGER_CHECK_AFTER_MS, intervalMs: e.BIGAPP_LEDGER_INTERVAL_MS },
    tracing: { enabled: e.BIGAPP_TRACING === 'on', otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, memorySpans: e.BIGAPP_TRACE_MEMORY_SPANS, samplesPerSecond: e.BIGAPP_TRACE_SAMPLES_PER_S },
    db,
    storage,
    raw: clean,
  };
}
