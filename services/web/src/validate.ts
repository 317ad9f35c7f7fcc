import type { z } from 'zod';
import { validationError } from './errors.js';

/** Parses request input with a contract schema; a 400 naming the field and reason otherwise. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params'): z.output<S> {
  const r = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!r.success) throw validationError(r.error, where);
  return r.data;
}
