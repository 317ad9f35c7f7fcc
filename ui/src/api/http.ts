import { ErrorBody } from '@bigapp/contracts';
import type { z } from 'zod';

/**
 * The transport under the typed client: JSON over fetch, the session's CSRF
 * token on every write, ErrorBody turned into an ApiError with a message a
 * person can read, and one place that learns the session is gone (401).
 */

/** Responses are checked against the contracts' zod schemas in development
 * (`vite` dev server and `vite build --mode development`), so a drift between
 * server and UI fails loudly where it is cheap to see. Production trusts the
 * types: a newer server adding a field or an enum value must not break an
 * older tab. */
export const VALIDATE_RESPONSES: boolean = import.meta.env.DEV;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function csrfHeaders(): Record<string, string> {
  return csrfToken ? { 'x-csrf-token': csrfToken } : {};
}

/** Called once per 401 from any request made while signed in. */
export function setUnauthorizedHandler(fn: (() => void) | null): void {
  onUnauthorized = fn;
}

export function notifyUnauthorized(): void {
  onUnauthorized?.();
}

export function check<S extends z.ZodType>(schema: S, data: unknown, what: string): z.output<S> {
  if (!VALIDATE_RESPONSES) return data as z.output<S>;
  const r = schema.safeParse(data);
  if (!r.success) {
    throw new ApiError(0, 'bad_response', `The server sent an unexpected ${what}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return r.data;
}

/** Turns any failed response body into an ApiError. */
export function errorFrom(status: number, body: unknown, fallback?: string): ApiError {
  const parsed = ErrorBody.safeParse(body);
  if (parsed.success) {
    const { code, message, details } = parsed.data.error;
    return new ApiError(status, code, withDetails(message, details), details);
  }
  const generic: Record<number, string> = {
    400: 'The request was not accepted.',
    401: 'You are not signed in.',
    403: 'You do not have permission to do that.',
    404: 'Not found.',
    413: 'The file is too large.',
    429: 'Too many attempts. Wait a moment and try again.',
  };
  return new ApiError(status, 'http_' + status, fallback ?? generic[status] ?? `The server answered ${status}. Try again.`);
}

/** Field-level reasons (zod issues or {field: reason} maps) appended to the message. */
function withDetails(message: string, details: unknown): string {
  const parts: string[] = [];
  const visit = (d: unknown): void => {
    if (Array.isArray(d)) {
      for (const x of d) visit(x);
    } else if (d && typeof d === 'object') {
      const o = d as Record<string, unknown>;
      const field = o.field ?? o.path;
      if (typeof o.message === 'string') {
        const where = Array.isArray(field) ? field.join('.') : typeof field === 'string' ? field : '';
        parts.push(where ? `${where}: ${o.message}` : o.message);
      } else if (Array.isArray(o.issues)) {
        visit(o.issues);
      } else if (Array.isArray(o.fields)) {
        visit(o.fields);
      }
    }
  };
  visit(details);
  const extra = parts.filter((p) => !message.includes(p));
  return extra.length ? `${message} (${extra.join('; ')})` : message;
}

export const networkError = (): ApiError =>
  new ApiError(0, 'network', 'Cannot reach the server. Check your connection and try again.');

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export async function request(method: Method, path: string, body?: unknown): Promise<{ status: number; data: unknown }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') Object.assign(headers, csrfHeaders());
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw networkError();
  }
  const text = res.status === 204 ? '' : await res.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const err = errorFrom(res.status, data);
    if (res.status === 401 && !path.startsWith('/api/auth/')) notifyUnauthorized();
    throw err;
  }
  return { status: res.status, data };
}
