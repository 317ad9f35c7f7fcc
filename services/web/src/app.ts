import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import type { Bus } from '@bigapp/kit';
import type { Database } from '@bigapp/kit/db';
import type { JobLedger } from '@bigapp/kit/ledger';
import type { Bucket } from '@bigapp/kit/storage';
import { authHook } from './auth/hook.js';
import { AttemptLimiter } from './auth/rate-limit.js';
import { AuthStore } from './auth/sessions.js';
import type { WebConfig } from './config.js';
import type { WebContext } from './context.js';
import { DOCS_CSP, docsPage } from './docs-page.js';
import { HttpError, validationError } from './errors.js';
import { Links } from './links.js';
import { Fanout } from './live/fanout.js';
import { LiveHub } from './live/hub.js';
import { ReadCaches } from './cache/read-caches.js';
import { statusListener } from './live/status-listener.js';
import { openApiDocument } from './openapi.js';
import { httpTracing } from './ops/http-span.js';
import { authRoutes } from './routes/auth.js';
import { bucketRoutes } from './routes/bucket.js';
import { eventRoutes } from './routes/events.js';
import { jobRoutes } from './routes/jobs.js';
import { mediaRoutes } from './routes/media.js';
import { opsRoutes } from './routes/ops.js';
import { memberRoutes } from './routes/members.js';
import { tokenRoutes } from './routes/tokens.js';
import { findUiDir, uiRoutes } from './routes/ui.js';
import { workspaceRoutes } from './routes/workspaces.js';

export interface WebDeps {
  db: Kysely<Database>;
  bucket: Bucket;
  ledger: JobLedger;
  bus: Bus;
  log: Logger;
  config: WebConfig;
  /** Folder driver: the secret its presigned links are signed with (serves /bucket/*). */
  bucketSecret?: string | undefined;
  /** Origin for folder-driver links (BUCKET_PUBLIC_URL when set explicitly); relative links otherwise. */
  bucketPublicUrl?: string | undefined;
  version?: string;
  /** SSE heartbeat period (tests shorten it). */
  heartbeatMs?: number;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify's own errors (parsing, limits) in the one error shape. */
function frameworkError(err: FastifyError): HttpError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HttpError(400, 'bad_request', `body: not valid JSON (${err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'empty body with Content-Type application/json' : 'malformed'})`, [{ field: 'body', message: 'malformed JSON', code: 'invalid_json' }]);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
      return new HttpError(413, 'too_large', err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'The request body is too large.' : 'Send one file per request, within the size limit.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new HttpError(415, 'unsupported_media_type', 'Send JSON (application/json), or multipart/form-data for uploads.');
    case 'FST_FIELDS_LIMIT':
      return new HttpError(400, 'bad_request', 'Send only the "file" field.');
    default:
      if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
        // JSON.parse reports prototype-poisoning attempts as a 400 too.
        return new HttpError(err.statusCode, err.statusCode === 400 ? 'bad_request' : 'request_refused', err.message);
      }
      return undefined;
  }
}

/**
 * The web service as a Fastify app, without listening: tests inject into it,
 * `startWeb` listens. Closing the app ends SSE streams, unsubscribes from the
 * bus and removes the ledger listener.
 */
export async function buildWebApp(deps: WebDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    // One access-log line per request comes from the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    // A hop count trusts that many proxies in front (as proxy-addr does for a number).
    trustProxy: typeof config.trustProxy === 'number' ? ((_addr: string, hop: number) => hop < (config.trustProxy as number)) : config.trustProxy,
    bodyLimit: 1024 * 1024,
    genReqId: (req) => {
      const h = req.headers['x-request-id'];
      return typeof h === 'string' && REQUEST_ID.test(h) ? h : randomUUID();
    },
    // Closing the server also closes idle keep-alive sockets.
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: 200 },
  });

  const hub = new LiveHub(deps.heartbeatMs);
  const caches = new ReadCaches(config.readCacheMs, deps.bus);
  const fanout = new Fanout(deps.bus, hub, deps.log, (workspaceId) => caches.pages.deletePrefix(`${workspaceId}|`));
  const links = new Links(deps.bucket, { localSecret: deps.bucketSecret, publicUrl: deps.bucketPublicUrl });
  const ctx: WebContext = {
    db: deps.db, bucket: deps.bucket, ledger: deps.ledger, bus: deps.bus, log: deps.log, config, links, hub, fanout, caches,
    auth: new AuthStore(deps.db, caches),
    limits: {
      login: new AttemptLimiter(config.loginMaxAttempts, config.loginWindowMs),
      // Many usernames from one address (password spraying): ten times the per-account limit.
      loginPerIp: new AttemptLimiter(config.loginMaxAttempts * 10, config.loginWindowMs),
      register: new AttemptLimiter(config.loginMaxAttempts * 10, config.loginWindowMs),
    },
  };

  const routeList: { method: string; url: string }[] = [];
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) routeList.push({ method: m, url: r.url });
  });
  app.decorate('routeList', routeList);
  app.decorateRequest('principal', undefined);
  // JSON only: text/plain is a content type a cross-site form may send without a CORS preflight.
  app.removeContentTypeParser('text/plain');
  await app.register(cookie);
  await app.register(multipart, { limits: { fileSize: config.uploadMaxBytes + 1, files: 1 } });

  // First, so auth, handlers and their queries and enqueues run inside the request's span.
  httpTracing(app);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', String(req.id));
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    reply.header('x-frame-options', 'DENY');
    if (req.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
  });
  app.addHook('onRequest', authHook(ctx.auth));
  app.addHook('onResponse', async (req, reply) => {
    const level = reply.statusCode >= 500 ? 'error' : 'info';
    req.log[level]({ method: req.method, url: req.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime), user: req.principal?.user.id }, 'request');
  });

  app.setErrorHandler((err: FastifyError | HttpError | ZodError | Error, req, reply) => {
    let e: HttpError | undefined;
    if (err instanceof HttpError) e = err;
    else if (err instanceof ZodError) e = validationError(err, 'body');
    else e = frameworkError(err as FastifyError);
    if (!e) {
      req.log.error({ err }, 'request failed');
      e = new HttpError(500, 'internal', `Something went wrong (request id ${req.id}).`);
    } else if (e.status >= 500) {
      req.log.error({ err }, 'request failed');
    }
    if (reply.sent || reply.raw.headersSent) return;
    const body: { error: { code: string; message: string; details?: unknown } } = { error: { code: e.code, message: e.message } };
    if (e.details !== undefined) body.error.details = e.details;
    return reply.code(e.status).header('cache-control', 'no-store').send(body);
  });

  const doc = openApiDocument(deps.version);
  app.get('/api/openapi.json', { config: { public: true } }, async () => doc);
  app.get('/api/docs', { config: { public: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').header('content-security-policy', DOCS_CSP).send(docsPage));

  await authRoutes(app, ctx);
  await tokenRoutes(app, ctx);
  await workspaceRoutes(app, ctx);
  await memberRoutes(app, ctx);
  await mediaRoutes(app, ctx);
  await jobRoutes(app, ctx);
  await eventRoutes(app, ctx);
  await opsRoutes(app, ctx);
  if (deps.bucket.driver === 'local' && deps.bucketSecret) await bucketRoutes(app, deps.bucket, deps.bucketSecret);
  const ui = await uiRoutes(app, findUiDir(config.uiDir));
  app.decorate('uiBuilt', ui.built);

  await caches.start();
  await fanout.start();
  const offStatus = deps.ledger.onStatus(statusListener(deps.db, links, fanout, deps.log, config.downloadLinkSeconds));
  app.addHook('preClose', async () => {
    offStatus();
    hub.closeAll();
  });
  app.addHook('onClose', async () => {
    await fanout.stop();
    await caches.stop();
  });
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    uiBuilt: boolean;
    /** Every route registered (method, url), for the OpenAPI completeness test. */
    routeList: { method: string; url: string }[];
  }
}
