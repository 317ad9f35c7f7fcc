import { z } from 'zod';
import { StorageError } from './errors.js';

/**
 * Bucket settings from the environment. Every variable is optional so that
 * `npm start` works with none; the S3 ones are checked only when
 * BUCKET_DRIVER=s3. Secrets are never echoed back in error messages.
 */

const SECRET_VARS = new Set(['S3_SECRET_ACCESS_KEY', 'BUCKET_SIGNING_SECRET', 'S3_ACCESS_KEY_ID']);

const httpUrl = (name: string) =>
  z
    .string()
    .refine((v) => /^https?:\/\/[^\s/]+/.test(v) && URL.canParse(v), { error: `${name} must be an http(s) URL such as https://host:port` });

const nonEmpty = (name: string, form: string) => z.string().min(1, { error: `${name} must be ${form}` });

export const storageEnvSchema = z
  .object({
    BUCKET_DRIVER: z.enum(['local', 's3'], { error: 'BUCKET_DRIVER must be "local" or "s3"' }).default('local'),
    BUCKET_DIR: nonEmpty('BUCKET_DIR', 'a folder path').optional(),
    S3_BUCKET: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, { error: 'S3_BUCKET must be a bucket name (lower-case letters, digits, ".", "-", "_"; 3 to 222 characters)' })
      .optional(),
    S3_ENDPOINT: httpUrl('S3_ENDPOINT').optional(),
    S3_REGION: z
      .string()
      .regex(/^[a-z0-9-]{2,40}$/, { error: 'S3_REGION must be a region name such as us-east-1, auto (R2) or eu-west-3' })
      .default('us-east-1'),
    S3_ACCESS_KEY_ID: nonEmpty('S3_ACCESS_KEY_ID', 'a non-empty access key id').optional(),
    S3_SECRET_ACCESS_KEY: nonEmpty('S3_SECRET_ACCESS_KEY', 'a non-empty secret access key').optional(),
    S3_FORCE_PATH_STYLE: z.stringbool({ error: 'S3_FORCE_PATH_STYLE must be true or false (also 1/0, yes/no)' }).default(false),
    BUCKET_SIGNING_SECRET: z.string().min(32, { error: 'BUCKET_SIGNING_SECRET must be at least 32 characters (e.g. `openssl rand -hex 32`)' }).optional(),
    BUCKET_PUBLIC_URL: httpUrl('BUCKET_PUBLIC_URL').default('http://localhost:8080'),
  })
  .superRefine((env, ctx) => {
    if (env.BUCKET_DRIVER === 's3' && !env.S3_BUCKET) {
      ctx.addIssue({ code: 'custom', path: ['S3_BUCKET'], message: 'S3_BUCKET must be set when BUCKET_DRIVER=s3' });
    }
    if ((env.S3_ACCESS_KEY_ID === undefined) !== (env.S3_SECRET_ACCESS_KEY === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.S3_ACCESS_KEY_ID === undefined ? 'S3_ACCESS_KEY_ID' : 'S3_SECRET_ACCESS_KEY'],
        message: 'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together (or both unset to use the default credential chain)',
      });
    }
  });

export interface LocalStorageConfig {
  driver: 'local';
  /** Unset: `<dataDir>/bucket`. */
  dir?: string;
  signingSecret?: string;
  publicUrl: string;
}

export interface S3StorageConfig {
  driver: 's3';
  bucket: string;
  endpoint?: string;
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  forcePathStyle: boolean;
  signingSecret?: string;
  publicUrl: string;
}

export type StorageConfig = LocalStorageConfig | S3StorageConfig;

export class StorageConfigError extends StorageError {
  readonly variables: string[];
  constructor(message: string, variables: string[]) {
    super('config_invalid', message);
    this.variables = variables;
  }
}

/** Reads the bucket variables; an empty string counts as unset. Throws StorageConfigError naming each bad variable. */
export function parseStorageEnv(env: Record<string, string | undefined> = process.env): StorageConfig {
  const picked: Record<string, string> = {};
  for (const name of Object.keys(storageEnvSchema.shape)) {
    const v = env[name]?.trim();
    if (v) picked[name] = v;
  }
  const r = storageEnvSchema.safeParse(picked);
  if (!r.success) {
    const lines: string[] = [];
    const vars: string[] = [];
    for (const issue of r.error.issues) {
      const name = String(issue.path[0] ?? 'storage');
      vars.push(name);
      const got = name in picked && !SECRET_VARS.has(name) ? ` (got ${JSON.stringify(picked[name])})` : '';
      lines.push(`${issue.message}${got}`);
    }
    throw new StorageConfigError(`invalid bucket configuration: ${lines.join('; ')}`, vars);
  }
  const e = r.data;
  const common = {
    publicUrl: e.BUCKET_PUBLIC_URL.replace(/\/+$/, ''),
    ...(e.BUCKET_SIGNING_SECRET ? { signingSecret: e.BUCKET_SIGNING_SECRET } : {}),
  };
  if (e.BUCKET_DRIVER === 'local') {
    return { driver: 'local', ...(e.BUCKET_DIR ? { dir: e.BUCKET_DIR } : {}), ...common };
  }
  return {
    driver: 's3',
    bucket: e.S3_BUCKET as string,
    region: e.S3_REGION,
    forcePathStyle: e.S3_FORCE_PATH_STYLE,
    ...(e.S3_ENDPOINT ? { endpoint: e.S3_ENDPOINT } : {}),
    ...(e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY } }
      : {}),
    ...common,
  };
}
