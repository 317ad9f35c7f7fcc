/**
 * Exponential backoff with full jitter: attempt n waits a random time in
 * [base*2^(n-1)/2, base*2^(n-1)], capped. Jitter keeps retries of a burst of
 * failures from arriving together.
 */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
