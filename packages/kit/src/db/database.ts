import fs from 'node:fs/promises';
import { Kysely, PostgresDialect, sql, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import type { DbConfig, DbSslMode } from './config.js';
import { describe, isConnectionError, isPermanentConnectError } from './connection-errors.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.js';
import { DbError, redactUrl } from './errors.js';
import { silentLog, type DbLog } from './log.js';
import type { Database } from './schema.js';
import { currentTracing } from '../tracing/state.js';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { LogEvent } from 'kysely';

/**
 * A span per query when tracing is on, nested under whatever span is active
 * (an HTTP request, a job). Kysely reports a query when it has finished, so
 * the span is back-dated by its duration.
 */
function traceQuery(event: LogEvent): void {
  const t = currentTracing();
  if (!t) return;
  const end = Date.now();
  const span = t.tracer.startSpan('db.query', {
    kind: SpanKind.CLIENT,
    startTime: end - event.queryDurationMillis,
    attributes: { 'db.system.name': 'postgresql', 'db.query.text': event.query.sql.slice(0, 500) },
  });
  if (event.level === 'error') span.setStatus({ code: SpanStatusCode.ERROR, message: String((event.error as Error)?.message ?? event.error) });
  span.end(end);
}

export interface OpenDatabaseOptions {
  /** Where the embedded server keeps `pg/` when `config.url` is unset. */
  dataDir?: string;
  /** Shown in pg_stat_activity, so a DBA can tell which service holds a connection. */
  applicationName?: string;
}

export interface DatabaseHandle {
  db: Kysely<Database>;
  /** The raw pool, for LISTEN/NOTIFY or COPY that Kysely does not cover. */
  pool: pg.Pool;
  /** The URL in use (with its password: do not log it; use `safeUrl`). */
  url: string;
  safeUrl: string;
  /** Set when this handle started the embedded server (and will stop it). */
  embedded: EmbeddedPostgres | undefined;
  /** Resolves when a trivial query round-trips; throws a DbError otherwise. */
  ping(): Promise<void>;
  /** Ends the pool, then the embedded server if any. Safe to call twice. */
  close(): Promise<void>;
}

const SSL_PARAMS = ['sslmode', 'ssl', 'sslcert', 'sslkey', 'sslrootcert', 'sslcrl', 'uselibpqcompat'];

/**
 * Opens the pool (starting the embedded server first when no URL is set) and
 * waits until PostgreSQL answers, retrying with backoff so a service that
 * starts before its database does not crash-loop.
 */
export async function openDatabase(config: DbConfig, log: DbLog = silentLog, opts: OpenDatabaseOptions = {}): Promise<DatabaseHandle> {
  let embedded: EmbeddedPostgres | undefined;
  let url = config.url;
  if (url === undefined) {
    if (!opts.dataDir) throw new DbError('config_invalid', 'DATABASE_URL is unset and no data folder was given for the embedded server');
    embedded = await startEmbeddedPostgres({ dataDir: opts.dataDir, log });
    url = embedded.url;
    // Loopback only and without a certificate: TLS settings meant for the
    // production endpoint must not break `npm start`.
    config = { ...config, ssl: 'disable', sslCa: undefined };
  }
  try {
    const pool = new pg.Pool(await poolConfig(url, config, opts));
    const safeUrl = redactUrl(url);
    // An idle client whose server went away emits here. Unhandled, that would
    // crash the process; the pool has already dropped the client, and the next
    // query gets a fresh connection (or a clear db_unavailable error).
    pool.on('error', (err) => log.warn({ db: safeUrl, err: describe(err) }, 'idle database connection lost'));

    await waitUntilReachable(pool, safeUrl, config, log);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: guardedPool(pool, safeUrl) }), log: traceQuery });

    let closing: Promise<void> | undefined;
    const handle: DatabaseHandle = {
      db,
      pool,
      url,
      safeUrl,
      embedded,
      ping: async () => {
        await sql`select 1`.execute(db);
      },
      close: () =>
        (closing ??= (async () => {
          await db.destroy();
          await embedded?.stop();
        })()),
    };
    log.info({ db: safeUrl, embedded: embedded !== undefined, poolMax: config.poolMax }, 'database connected');
    return handle;
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
}

async function poolConfig(url: string, config: DbConfig, opts: OpenDatabaseOptions): Promise<pg.PoolConfig> {
  let u: URL;
  try {
    u = new URL(url);
    if ((u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') || !u.hostname) throw new Error('not a postgres URL');
  } catch {
    throw new DbError('config_invalid', 'DATABASE_URL must be a URL like postgres://user:password@host:5432/dbname');
  }
  const ssl = await sslOptions(u, config);
  // The ssl option decides; sslmode & co. in the URL would silently override
  // it inside pg, with a different meaning of "require" than libpq's.
  for (const p of SSL_PARAMS) u.searchParams.delete(p);
  return {
    connectionString: u.toString(),
    ssl,
    max: config.poolMax,
    connectionTimeoutMillis: config.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    ...(config.statementTimeoutMs > 0 ? { statement_timeout: config.statementTimeoutMs } : {}),
    ...(opts.applicationName ? { application_name: opts.applicationName } : {}),
    // COUNT(*) and bigserial ids are int8; as numbers they are usable, and no
    // table here will pass 2^53 rows. Scoped to this pool, not pg's globals.
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 && format !== 'binary' ? Number : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
  };
}

function sslModeFromUrl(u: URL): DbSslMode | undefined {
  const m = u.searchParams.get('sslmode');
  if (m === null) return u.searchParams.get('ssl') === 'true' ? 'require' : undefined;
  if (m === 'disable' || m === 'allow' || m === 'prefer') return 'disable';
  if (m === 'require') return 'require';
  if (m === 'verify-ca' || m === 'verify-full') return 'verify-full';
  throw new DbError('config_invalid', `DATABASE_URL has sslmode=${m}; expected disable|require|verify-full (or set DATABASE_SSL)`);
}

async function sslOptions(u: URL, config: DbConfig): Promise<pg.PoolConfig['ssl']> {
  const mode = config.ssl ?? sslModeFromUrl(u) ?? 'disable';
  if (mode === 'disable') return false;
  // libpq's "require": encrypted, server certificate not checked.
  if (mode === 'require') return { rejectUnauthorized: false };
  const caSource = config.sslCa ?? u.searchParams.get('sslrootcert') ?? undefined;
  if (caSource === undefined) return { rejectUnauthorized: true };
  if (caSource.startsWith('-----BEGIN')) return { rejectUnauthorized: true, ca: caSource };
  try {
    return { rejectUnauthorized: true, ca: await fs.readFile(caSource, 'utf8') };
  } catch (err) {
    throw new DbError('config_invalid', `DATABASE_SSL_CA must be a readable PEM file or PEM text; cannot read ${caSource}: ${(err as Error).message}`);
  }
}

async function waitUntilReachable(pool: pg.Pool, safeUrl: string, config: DbConfig, log: DbLog): Promise<void> {
  const started = Date.now();
  const attempts = config.connectRetries + 1;
  for (let attempt = 1; ; attempt++) {
    try {
      await pool.query('select 1');
      return;
    } catch (err) {
      const permanent = isPermanentConnectError(err);
      if (permanent || attempt >= attempts) {
        await pool.end().catch(() => {});
        const why = permanent ? 'refused the connection' : `did not answer after ${attempt} attempts in ${((Date.now() - started) / 1000).toFixed(1)} s`;
        throw new DbError('db_unreachable', `PostgreSQL at ${safeUrl} ${why}: ${describe(err)}`, { cause: err });
      }
      const delay = Math.min(200 * 2 ** (attempt - 1), 5_000);
      log.warn({ db: safeUrl, attempt, of: attempts, retryInMs: delay, err: describe(err) }, 'database not reachable yet');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/**
 * Wraps the pool Kysely uses so that losing the server (restart, failover)
 * surfaces as one clear, retryable `db_unavailable` error instead of a pg
 * message, while the pool itself keeps working for the next query.
 */
function guardedPool(pool: pg.Pool, safeUrl: string): PostgresPool {
  const wrap = (err: unknown): unknown =>
    isConnectionError(err) ? new DbError('db_unavailable', `lost PostgreSQL at ${safeUrl}: ${describe(err)}`, { cause: err }) : err;
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    connect: async () => {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw wrap(err);
      }
      let w = wrapped.get(client);
      if (!w) {
        const c = client;
        w = {
          query: ((...args: unknown[]) => {
            const r = (c.query as (...a: unknown[]) => unknown)(...args);
            return r instanceof Promise ? r.catch((err: unknown) => { throw wrap(err); }) : r;
          }) as PostgresPoolClient['query'],
          release: (destroy?: boolean) => c.release(destroy),
        };
        wrapped.set(client, w);
      }
      return w;
    },
    end: () => pool.end(),
  };
}
