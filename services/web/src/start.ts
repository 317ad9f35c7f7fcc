import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServiceContext } from '@bigapp/kit';
import { hashPassword } from '@bigapp/kit/auth';
import type { Database } from '@bigapp/kit/db';
import type { Kysely } from 'kysely';
import { DEMO_USER } from '../../cmd/src/ops/db.js';
import { buildWebApp } from './app.js';
import { AuthStore } from './auth/sessions.js';
import { parseWebConfig } from './config.js';

/** The demo account for `npm start` (dev only); idempotent across replicas. */
export async function seedDemo(db: Kysely<Database>): Promise<boolean> {
  const r = await db
    .insertInto('users')
    .values({ username: DEMO_USER.username, password_hash: await hashPassword(DEMO_USER.password), role: DEMO_USER.role })
    .onConflict((oc) => oc.column('username').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** The folder driver's link-signing secret: the variable, else the file openBucket keeps beside the data. */
async function localSecret(ctx: ServiceContext): Promise<string | undefined> {
  if (ctx.config.storage.driver !== 'local') return undefined;
  if (ctx.config.storage.signingSecret) return ctx.config.storage.signingSecret;
  const s = (await readFile(join(ctx.config.dataDir, 'bucket-signing.secret'), 'utf8').catch(() => '')).trim();
  return s || undefined;
}

/** Starts the web service: the Fastify app on BIGAPP_HTTP_HOST:BIGAPP_HTTP_PORT. Returns its stop function. */
export async function startWeb(ctx: ServiceContext): Promise<() => Promise<void>> {
  const config = parseWebConfig(ctx.config.raw, ctx.service.httpPort ?? 8080);
  if (!ctx.db || !ctx.bucket || !ctx.ledger) throw new Error('the web service needs the database, the bucket and the job ledger (service.ts: needs db + bucket, ledger)');
  const db = ctx.db.db;
  if (config.seedDemo && ctx.config.env === 'dev') await seedDemo(db);
  const app = await buildWebApp({
    db,
    bucket: ctx.bucket,
    ledger: ctx.ledger,
    bus: ctx.bus,
    log: ctx.log,
    config,
    bucketSecret: await localSecret(ctx),
    bucketPublicUrl: ctx.config.raw.BUCKET_PUBLIC_URL,
  });
  await app.listen({ port: config.port, host: config.host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${shown}:${port}`;
  const auth = new AuthStore(db);
  const sweep = setInterval(() => void auth.deleteExpiredSessions().catch(() => undefined), 3600_000);
  sweep.unref();
  ctx.log.info({ url, port, ui: app.uiBuilt ? 'built' : 'not built (npm run build)' }, `web: listening on ${url}`);
  if (config.seedDemo && ctx.config.env === 'dev') {
    ctx.log.info({ url, username: DEMO_USER.username, password: DEMO_USER.password }, `web: open ${url} and sign in as ${DEMO_USER.username} / ${DEMO_USER.password} (demo account, dev only)`);
  }
  return async () => {
    clearInterval(sweep);
    await app.close();
  };
}
