import { z } from 'zod';

/**
 * The web service's own variables, read from the raw environment the host
 * already loaded (`ctx.config.raw`). Each bad value throws an Error naming the
 * variable; docs/configuration.md ("Web") lists the same variables.
 */
export interface WebConfig {
  port: number;
  host: string;
  /** Largest media upload, bytes. */
  uploadMaxBytes: number;
  /** Largest import archive, bytes. */
  importMaxBytes: number;
  sessionTtlMs: number;
  /** Cookie `Secure` attribute (off only in dev and test unless forced). */
  cookieSecure: boolean;
  loginMaxAttempts: number;
  loginWindowMs: number;
  registrationOpen: boolean;
  /** Fastify `trustProxy`: false, true, or a hop count. */
  trustProxy: boolean | number;
  /** Folder of the built UI, or undefined to look for ui/dist from the repository root. */
  uiDir: string | undefined;
  /** Seconds a presigned original/export link is valid. */
  downloadLinkSeconds: number;
  /** TTL of the in-process read caches (sessions, roles, first media pages); 0 turns them off. */
  readCacheMs: number;
  /** Seed the demo account at start (dev only). */
  seedDemo: boolean;
}

const int = (name: string, min: number, max: number) =>
  z.coerce.number({ error: `${name} must be an integer from ${min} to ${max}` }).int(`${name} must be an integer from ${min} to ${max}`).min(min, `${name} must be an integer from ${min} to ${max}`).max(max, `${name} must be an integer from ${min} to ${max}`);

const bool = (name: string) => z.stringbool({ error: `${name} must be true or false` });

const MiB = 1024 * 1024;

const webEnvSchema = z.object({
  BIGAPP_ENV: z.enum(['dev', 'test', 'stage', 'prod']).default('dev'),
  BIGAPP_HTTP_PORT: int('BIGAPP_HTTP_PORT', 0, 65535).optional(),
  BIGAPP_HTTP_HOST: z.string().min(1).max(255).default('0.0.0.0'),
  BIGAPP_UPLOAD_MAX_BYTES: int('BIGAPP_UPLOAD_MAX_BYTES', 1, 10 * 1024 * MiB).default(50 * MiB),
  BIGAPP_IMPORT_MAX_BYTES: int('BIGAPP_IMPORT_MAX_BYTES', 1, 100 * 1024 * MiB).default(1024 * MiB),
  BIGAPP_SESSION_TTL_HOURS: int('BIGAPP_SESSION_TTL_HOURS', 1, 24 * 365).default(24 * 7),
  BIGAPP_COOKIE_SECURE: bool('BIGAPP_COOKIE_SECURE').optional(),
  BIGAPP_LOGIN_MAX_ATTEMPTS: int('BIGAPP_LOGIN_MAX_ATTEMPTS', 1, 100_000).default(10),
  BIGAPP_LOGIN_WINDOW_SEC: int('BIGAPP_LOGIN_WINDOW_SEC', 1, 86_400).default(60),
  BIGAPP_REGISTRATION_OPEN: bool('BIGAPP_REGISTRATION_OPEN').default(true),
  BIGAPP_TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d{1,2})$/, 'BIGAPP_TRUST_PROXY must be true, false or a number of proxy hops')
    .default('false'),
  BIGAPP_UI_DIR: z.string().min(1).optional(),
  BIGAPP_DOWNLOAD_LINK_SEC: int('BIGAPP_DOWNLOAD_LINK_SEC', 60, 7 * 24 * 3600).default(3600),
  BIGAPP_SEED_DEMO: bool('BIGAPP_SEED_DEMO').optional(),
  BIGAPP_READ_CACHE_MS: int('BIGAPP_READ_CACHE_MS', 0, 60_000).default(5_000),
});

/** Parses the web variables; `defaultPort` is the service declaration's httpPort. */
export function parseWebConfig(raw: Record<string, string | undefined>, defaultPort = 8080): WebConfig {
  const clean = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== ''));
  const r = webEnvSchema.safeParse(clean);
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const name = String(i.path[0] ?? '(environment)');
      const got = clean[name];
      const msg = i.message.startsWith(name) ? i.message : `${name}: ${i.message}`;
      return `${msg}${got === undefined ? '' : ` (got ${JSON.stringify(got.slice(0, 80))})`}`;
    });
    throw new Error(`invalid web configuration: ${lines.join('; ')}. See docs/configuration.md (Web).`);
  }
  const e = r.data;
  const devLike = e.BIGAPP_ENV === 'dev' || e.BIGAPP_ENV === 'test';
  const tp = e.BIGAPP_TRUST_PROXY;
  return {
    port: e.BIGAPP_HTTP_PORT ?? defaultPort,
    host: e.BIGAPP_HTTP_HOST,
    uploadMaxBytes: e.BIGAPP_UPLOAD_MAX_BYTES,
    importMaxBytes: e.BIGAPP_IMPORT_MAX_BYTES,
    sessionTtlMs: e.BIGAPP_SESSION_TTL_HOURS * 3600_000,
    cookieSecure: e.BIGAPP_COOKIE_SECURE ?? !devLike,
    loginMaxAttempts: e.BIGAPP_LOGIN_MAX_ATTEMPTS,
    loginWindowMs: e.BIGAPP_LOGIN_WINDOW_SEC * 1000,
    registrationOpen: e.BIGAPP_REGISTRATION_OPEN,
    trustProxy: tp === 'true' ? true : tp === 'false' ? false : Number(tp),
    uiDir: e.BIGAPP_UI_DIR,
    downloadLinkSeconds: e.BIGAPP_DOWNLOAD_LINK_SEC,
    readCacheMs: e.BIGAPP_READ_CACHE_MS,
    seedDemo: e.BIGAPP_SEED_DEMO ?? e.BIGAPP_ENV === 'dev',
  };
}
