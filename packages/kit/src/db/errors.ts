import { AppError } from '../errors.js';

/**
 * Every failure this layer raises on purpose. `message` is for the log (it may
 * name the host and database, never the password); `safeMessage` is what an
 * API may show to a user.
 */
export type DbErrorCode =
  /** An env variable or URL is malformed: fixing config is the only cure. */
  | 'config_invalid'
  /** Start-up could not reach or log in to PostgreSQL within the retries. */
  | 'db_unreachable'
  /** A running service lost its connection (server restart, failover). Retryable. */
  | 'db_unavailable'
  /** A migration threw; the changelog keeps the ones before it. */
  | 'db_migration_failed'
  /** The embedded server could not be initialised or started. */
  | 'db_embedded_failed';

const SAFE: Record<DbErrorCode, string> = {
  config_invalid: 'The database is not configured correctly.',
  db_unreachable: 'The database cannot be reached.',
  db_unavailable: 'The database is temporarily unavailable.',
  db_migration_failed: 'The database schema could not be updated.',
  db_embedded_failed: 'The local database could not be started.',
};

const STATUS: Record<DbErrorCode, number> = {
  config_invalid: 500,
  db_unreachable: 503,
  db_unavailable: 503,
  db_migration_failed: 500,
  db_embedded_failed: 500,
};

export class DbError extends AppError {
  declare readonly code: DbErrorCode;

  constructor(code: DbErrorCode, message: string, opts: { cause?: unknown; safeMessage?: string; details?: unknown } = {}) {
    super(code, message, {
      safeMessage: opts.safeMessage ?? SAFE[code],
      status: STATUS[code],
      cause: opts.cause,
      details: opts.details,
    });
    this.name = 'DbError';
  }
}

export function isDbError(err: unknown, code?: DbErrorCode): err is DbError {
  return err instanceof DbError && (code === undefined || err.code === code);
}

/** The URL with its password replaced, fit for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable url>';
  }
}
