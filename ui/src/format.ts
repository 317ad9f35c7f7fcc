export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export const percent = (f: number): string => `${Math.round(Math.max(0, Math.min(1, f)) * 100)} %`;

/** A job's `error` is free-form JSON: show its message when it has one. */
export function describeError(e: unknown): string {
  if (e == null) return '';
  if (typeof e === 'string') return e;
  if (e instanceof Error) return e.message;
  if (typeof e === 'object') {
    const o = e as Record<string, unknown>;
    if (typeof o.message === 'string') return o.message;
    if (o.error) return describeError(o.error);
  }
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
}
