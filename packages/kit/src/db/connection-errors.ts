/**
 * Sorting pg driver errors: which ones mean "the server is not there right
 * now" (retry, or report `db_unavailable`), and which mean "this will never
 * work" (bad password, missing database, TLS mismatch) so start-up stops at
 * once instead of retrying a hopeless login.
 */

// SQLSTATE classes/codes raised when the server goes away or is not up yet.
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const NODE_NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /connection timeout/i,
  /timeout expired/i,
  /not queryable/i,
  /server closed the connection unexpectedly/i,
];

function codeOf(err: unknown): string | undefined {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = codeOf(err);
  if (code && (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08') || NODE_NETWORK_CODES.has(code))) return true;
  // AggregateError from net.connect trying IPv4 and IPv6 both.
  if (err instanceof AggregateError && err.errors.some(isConnectionError)) return true;
  return UNAVAILABLE_MESSAGES.some((re) => re.test(err.message));
}

/** Errors that retrying at start-up cannot fix. */
export function isPermanentConnectError(err: unknown): boolean {
  const code = codeOf(err);
  // 28xxx: invalid authorization; 3D000: database does not exist.
  if (code && (code.startsWith('28') || code === '3D000')) return true;
  const msg = err instanceof Error ? err.message : String(err);
  // TLS: certificate rejected, or one side wants TLS and the other does not.
  return /certificate|self[- ]signed|does not support SSL|no pg_hba.conf entry|SSL/i.test(msg) && !isConnectionError(err);
}

export function describe(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length) return err.errors.map(describe).join('; ');
  if (!(err instanceof Error)) return String(err);
  const code = codeOf(err);
  return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message || code || err.name;
}
