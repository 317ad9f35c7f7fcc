import { z } from 'zod';

/** The error body every HTTP endpoint and CLI command returns. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const ERROR_CODES = [
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'too_large',
  'unavailable',
  'timeout',
  'internal',
  'config_invalid',
  'job_unknown_type',
  'job_invalid_data',
  'job_failed',
  'job_timeout',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number] | (string & {});
