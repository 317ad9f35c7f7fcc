import type { ZodError } from 'zod';

/**
 * An error with an HTTP status and a message safe to show. Everything else
 * that reaches the error handler becomes a 500 with a generic message.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, details?: unknown) => new HttpError(400, 'bad_request', message, details);
export const unauthorized = (message = 'Sign in first (session cookie or Authorization: Bearer <token>).') => new HttpError(401, 'unauthorized', message);
export const forbidden = (message: string) => new HttpError(403, 'forbidden', message);
export const notFound = (what = 'The resource') => new HttpError(404, 'not_found', `${what} was not found.`);
export const conflict = (message: string) => new HttpError(409, 'conflict', message);
export const tooLarge = (message: string) => new HttpError(413, 'too_large', message);
export const unsupportedType = (message: string) => new HttpError(415, 'unsupported_media_type', message);

export interface FieldIssue {
  field: string;
  message: string;
  code: string;
}

/** zod issues as `{field, message, code}` rows; field is a dotted path such as `body.name`. */
export function fieldIssues(err: ZodError, where: string): FieldIssue[] {
  return err.issues.map((i) => {
    const keys = i.code === 'unrecognized_keys' ? (i as { keys?: string[] }).keys : undefined;
    const path = [where, ...i.path.map(String)].filter(Boolean).join('.');
    return {
      field: keys?.length ? keys.map((k) => (path ? `${path}.${k}` : k)).join(', ') : path || where,
      message: i.code === 'unrecognized_keys' ? `unknown field${keys && keys.length > 1 ? 's' : ''}: ${keys?.join(', ')}` : i.message,
      code: i.code,
    };
  });
}

/** A 400 whose message names the first field and reason; every issue is in details. */
export function validationError(err: ZodError, where: string): HttpError {
  const issues = fieldIssues(err, where);
  const first = issues[0];
  return badRequest(first ? `${first.field}: ${first.message}` : `${where} is not valid`, issues);
}
