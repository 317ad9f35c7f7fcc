import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createLogger, openBus, type Bus, type Cache } from '@bigapp/kit';
import { migrate, migrations, openDatabase, type DatabaseHandle } from '@bigapp/kit/db';
import { JobLedger } from '@bigapp/kit/ledger';
import { openLocalBucket, type Bucket } from '@bigapp/kit/storage';
import { buildWebApp } from '../../services/web/src/app.js';
import { parseWebConfig, type WebConfig } from '../../services/web/src/config.js';
import { throwawayDatabase } from '../db/helpers.js';

export const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', pretty: false });
export const SECRET = 'x'.repeat(64);

export interface Env {
  app: FastifyInstance;
  db: DatabaseHandle;
  bucket: Bucket;
  bucketDir: string;
  bus: Bus;
  cache: Cache;
  ledger: JobLedger;
  config: WebConfig;
  close(): Promise<void>;
}

/** A web app over a throwaway database, the in-process bus (or redisUrl) and a temp-folder bucket. */
export async function webEnv(pgUrl: string, o: { env?: Record<string, string>; redisUrl?: string; ledgerServices?: string[] } = {}): Promise<Env> {
  const database = await throwawayDatabase(pgUrl);
  const db = await openDatabase({ url: database.url, poolMax: 10, statementTimeoutMs: 30_000, connectTimeoutMs: 5_000, connectRetries: 2 } as never, log);
  await migrate(db.db, migrations, log);
  const bucketDir = await mkdtemp(path.join(os.tmpdir(), 'bigapp-web-bucket-'));
  const bucket = await openLocalBucket({ dir: bucketDir, signingSecret: SECRET, publicUrl: 'http://localhost:8080' });
  const { bus, cache } = openBus({ redisUrl: o.redisUrl, log, settings: { heartbeatMs: 200, consumerTtlMs: 1_000, backoffBaseMs: 10, backoffMaxMs: 50 } });
  const ledger = new JobLedger(db.db, bus, { log, reconcileAfterMs: 30_000, intervalMs: 1_000 });
  const config = parseWebConfig({ BIGAPP_ENV: 'test', BIGAPP_UPLOAD_MAX_BYTES: String(256 * 1024), BIGAPP_UI_DIR: path.join(bucketDir, 'no-ui'), ...o.env });
  const app = await buildWebApp({ db: db.db, bucket, ledger, bus, log, config, bucketSecret: SECRET, heartbeatMs: 200 });
  await app.ready();
  await ledger.start(o.ledgerServices ?? ['image', 'export', 'import']);
  return {
    app, db, bucket, bucketDir, bus, cache, ledger, config,
    async close() {
      await app.close();
      await ledger.stop();
      await bus.close(0);
      await cache.close();
      await db.close();
      await database.drop();
      await rm(bucketDir, { recursive: true, force: true });
    },
  };
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'HEAD';

/** A signed-in user as a browser would be: cookie jar + CSRF token. */
export class Client {
  cookie: string | undefined;
  csrf = '';
  userId = '';
  bearer: string | undefined;
  constructor(readonly app: FastifyInstance) {}

  async call(method: Method, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const h: Record<string, string> = { ...headers };
    if (this.cookie) h.cookie = `bigapp_session=${this.cookie}`;
    if (this.bearer) h.authorization = `Bearer ${this.bearer}`;
    if (method !== 'GET' && method !== 'HEAD' && this.csrf && !('x-csrf-token' in headers)) h['x-csrf-token'] = this.csrf;
    const res = await this.app.inject({
      method, url, headers: h,
      ...(body === undefined ? {} : typeof body === 'string' || Buffer.isBuffer(body) ? { payload: body } : { payload: body as object }),
    });
    const set = res.cookies.find((c) => c.name === 'bigapp_session');
    if (set) this.cookie = set.value || undefined;
    return res;
  }

  async register(username: string, password = 'correct-horse-battery'): Promise<this> {
    const r = await this.call('POST', '/api/auth/register', { username, password });
    if (r.statusCode !== 201) throw new Error(`register ${username}: ${r.statusCode} ${r.body}`);
    const s = r.json();
    this.csrf = s.csrfToken;
    this.userId = s.user.id;
    return this;
  }
}

/** A multipart body with one file part. */
export function multipart(content: Buffer, filename = 'photo.jpg', field = 'file', type = 'image/jpeg'): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----bigapp${Math.random().toString(16).slice(2)}`;
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** A tiny valid PNG (1x1) with `extra` zero bytes appended after IEND (still sniffed as PNG). */
export const PNG_1PX = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
  'hex',
);

export async function listFiles(dir: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const out: string[] = [];
  const walk = async (d: string, rel: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.name === '.bigapp') continue;
      if (e.isDirectory()) await walk(path.join(d, e.name), `${rel}${e.name}/`);
      else out.push(`${rel}${e.name}`);
    }
  };
  await walk(dir, '');
  return out;
}

export const until = async (pred: () => Promise<boolean> | boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> => {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
};
