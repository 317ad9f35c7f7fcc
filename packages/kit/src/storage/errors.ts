/**
 * Every storage failure is a StorageError so callers can branch on `code`
 * without knowing which driver is behind the bucket. `message` is for logs
 * (may name keys, paths, endpoints); `safeMessage` is what an API may show.
 */
export type StorageErrorCode =
  | 'not_found'
  | 'invalid_key'
  | 'invalid_range'
  | 'bad_request'
  | 'conflict'
  | 'config_invalid'
  | 'unavailable'
  | 'internal';

const SAFE: Record<StorageErrorCode, string> = {
  not_found: 'The object does not exist.',
  invalid_key: 'The object key is not allowed.',
  invalid_range: 'The requested range cannot be satisfied.',
  bad_request: 'The upload was rejected.',
  conflict: 'The object key conflicts with an existing object.',
  config_invalid: 'Storage is not configured correctly.',
  unavailable: 'Storage is unavailable.',
  internal: 'Storage failed.',
};

export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly code: StorageErrorCode;
  readonly safeMessage: string;
  readonly key: string | undefined;

  constructor(code: StorageErrorCode, message: string, opts: { key?: string; cause?: unknown; safeMessage?: string } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.key = opts.key;
    this.safeMessage = opts.safeMessage ?? SAFE[code];
  }
}

export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.code === code);
}

export const notFound = (key: string) => new StorageError('not_found', `object not found: ${JSON.stringify(key)}`, { key });
