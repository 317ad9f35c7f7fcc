import { z } from 'zod';
import { DbError } from './errors.js';

export const DB_SSL_MODES = ['disable', 'require', 'verify-full'] as const;
export type DbSslMode = (typeof DB_SSL_MODES)[number];

/** What the database layer needs, after the env variables are parsed. */
export interface DbConfig {
  /** Unset means "start the embedded PostgreSQL". */
  url: string | undefined;
  /** Unset means "take `sslmode` from the URL, else disable". */
  ssl: DbSslMode | undefined;
  /** A PEM file path, or the PEM text itself (starts with -----BEGIN). */
  sslCa: string | undefined;
  poolMax: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  /** Extra attempts after the first one at start-up, with backoff. */
  connectRetries: number;
}

// Orchestrators often render an unset variable as "" (compose, Helm); treat
// both the same so `DATABASE_URL=` means embedded, not "malformed".
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const URL_FORM = 'a URL like postgres://user:password@host:5432/dbname';

function isPostgresUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '';
  } catch {
    return false;
  }
}

function intVar(min: number, max: number, def: number) {
  const expected = `an integer from ${min} to ${max}`;
  const n = z.coerce
    .number({ error: `must be ${expected}` })
    .int({ error: `must be ${expected}` })
    .min(min, { error: `must be ${expected}` })
    .max(max, { error: `must be ${expected}` });
  return z.preprocess(blankToUndefined, n.default(def));
}

/**
 * The env variables of the database layer, keyed by their names so the
 * central config can spread `dbEnvSchema.shape` into its own object.
 */
export const dbEnvSchema = z.object({
  DATABASE_URL: z.preprocess(
    blankToUndefined,
    z.string().refine(isPostgresUrl, { error: `must be ${URL_FORM}` }).optional(),
  ),
  DATABASE_SSL: z.preprocess(
    blankToUndefined,
    z.enum(DB_SSL_MODES, { error: `must be one of ${DB_SSL_MODES.join('|')}` }).optional(),
  ),
  DATABASE_SSL_CA: z.preprocess(blankToUndefined, z.string().optional()),
  DATABASE_POOL_MAX: intVar(1, 1000, 10),
  DATABASE_STATEMENT_TIMEOUT_MS: intVar(0, 86_400_000, 30_000),
  DATABASE_CONNECT_TIMEOUT_MS: intVar(100, 600_000, 5_000),
  DATABASE_CONNECT_RETRIES: intVar(0, 1000, 10),
});
export type DbEnv = z.output<typeof dbEnvSchema>;

export function dbConfigFromEnv(env: DbEnv): DbConfig {
  return {
    url: env.DATABASE_URL,
    ssl: env.DATABASE_SSL,
    sslCa: env.DATABASE_SSL_CA,
    poolMax: env.DATABASE_POOL_MAX,
    statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
    connectRetries: env.DATABASE_CONNECT_RETRIES,
  };
}

/**
 * Parses the database env variables. Throws a `config_invalid` DbError whose
 * message names every bad variable, what it must be, and what it was (the URL
 * is never echoed: it may hold a password).
 */
export function parseDbEnv(env: Record<string, string | undefined> = process.env): DbConfig {
  const r = dbEnvSchema.safeParse(env);
  if (r.success) return dbConfigFromEnv(r.data);
  const lines = r.error.issues.map((i) => {
    const name = String(i.path[0] ?? '?');
    const raw = env[name];
    const shown = name === 'DATABASE_URL' || raw === undefined ? '' : ` (got ${JSON.stringify(raw)})`;
    return `${name} ${i.message}${shown}`;
  });
  throw new DbError('config_invalid', `invalid database configuration: ${lines.join('; ')}`);
}
