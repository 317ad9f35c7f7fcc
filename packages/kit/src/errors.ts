/**
 * The one error type the platform throws on purpose. `message` is for the
 * log (may name hosts, keys, ids); `safeMessage` may be shown to a user.
 */
export class AppError extends Error {
  readonly code: string;
  readonly safeMessage: string;
  readonly status: number;
  readonly details?: unknown;

  constructor(code: string, message: string, opts: { safeMessage?: string; status?: number; details?: unknown; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.safeMessage = opts.safeMessage ?? 'Something went wrong.';
    this.status = opts.status ?? 500;
    this.details = opts.details;
  }
}

/**
 * Thrown by a job handler for an outcome that retrying cannot change (a
 * corrupt file, a missing record): the job ends `failed` at once.
 */
export class JobFailure extends Error {
  readonly code: string;
  readonly retryable: boolean;
  constructor(code: string, message: string, opts: { retryable?: boolean } = {}) {
    super(message);
    this.name = 'JobFailure';
    this.code = code;
    this.retryable = opts.retryable ?? false;
  }
}

export function errorCode(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return 'internal';
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
