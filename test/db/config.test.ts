import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { dbEnvSchema, freePortForTest, openDatabase, parseDbEnv, startEmbeddedPostgres, type EmbeddedPostgres } from './imports.js';
import { tempDataDir, testConfig } from './helpers.js';

describe('parseDbEnv', () => {
  it('fills defaults; an empty DATABASE_URL means embedded', () => {
    expect(parseDbEnv({})).toEqual({ url: undefined, ssl: undefined, sslCa: undefined, poolMax: 10, statementTimeoutMs: 30_000, connectTimeoutMs: 5_000, connectRetries: 10 });
    expect(parseDbEnv({ DATABASE_URL: '', DATABASE_POOL_MAX: ' ' }).url).toBeUndefined();
    expect(parseDbEnv({ DATABASE_URL: 'postgresql://u:p@db.internal:6432/app', DATABASE_SSL: 'verify-full', DATABASE_POOL_MAX: '25', DATABASE_CONNECT_RETRIES: '0' })).toMatchObject({
      url: 'postgresql://u:p@db.internal:6432/app', ssl: 'verify-full', poolMax: 25, connectRetries: 0,
    });
  });

  it('names the bad variable and the expected form, without echoing the URL', () => {
    const bad = () => parseDbEnv({ DATABASE_URL: 'mysql://root:hunter2@db/app' });
    expect(bad).toThrow(expect.objectContaining({ code: 'config_invalid', message: expect.stringContaining('DATABASE_URL must be a URL like postgres://') }));
    expect(bad).toThrow(expect.not.objectContaining({ message: expect.stringContaining('hunter2') }));
    expect(() => parseDbEnv({ DATABASE_SSL: 'on' })).toThrow(/DATABASE_SSL must be one of disable\|require\|verify-full \(got "on"\)/);
    expect(() => parseDbEnv({ DATABASE_POOL_MAX: 'ten' })).toThrow(/DATABASE_POOL_MAX must be an integer from 1 to 1000 \(got "ten"\)/);
    expect(() => parseDbEnv({ DATABASE_CONNECT_RETRIES: '-1', DATABASE_STATEMENT_TIMEOUT_MS: '1.5' })).toThrow(/DATABASE_STATEMENT_TIMEOUT_MS.*; DATABASE_CONNECT_RETRIES/);
  });

  it('composes into a larger env schema', () => {
    const central = z.object({ PORT: z.coerce.number().default(8080), ...dbEnvSchema.shape });
    const parsed = central.parse({ DATABASE_POOL_MAX: '3' });
    expect(parsed).toMatchObject({ PORT: 8080, DATABASE_POOL_MAX: 3, DATABASE_CONNECT_RETRIES: 10 });
    expect(parsed.DATABASE_URL).toBeUndefined();
  });
});

describe('openDatabase start-up errors', () => {
  it('rejects a malformed DATABASE_URL at once with config_invalid', async () => {
    const t = Date.now();
    const err = await openDatabase({ ...testConfig(undefined), url: 'postgres//nope' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'config_invalid', message: expect.stringContaining('DATABASE_URL') });
    expect(Date.now() - t).toBeLessThan(500);
  });

  it('gives up on a closed port with db_unreachable after the bounded retries', async () => {
    const port = await freePortForTest();
    const log = { entries: [] as string[], debug() {}, info() {}, error() {}, warn(_o: object, m?: string) { this.entries.push(m ?? ''); } };
    const t = Date.now();
    const err = await openDatabase(testConfig(`postgres://postgres:secret@127.0.0.1:${port}/x`, { DATABASE_CONNECT_RETRIES: '3' }), log).catch((e: unknown) => e);
    const ms = Date.now() - t;
    expect(err).toMatchObject({ name: 'DbError', code: 'db_unreachable', safeMessage: 'The database cannot be reached.' });
    expect((err as Error).message).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}.*after 4 attempts.*ECONNREFUSED`));
    expect((err as Error).message).not.toContain('secret');
    expect(log.entries).toHaveLength(3);
    expect(ms).toBeGreaterThan(1_000); // 200 + 400 + 800 ms of backoff
    expect(ms).toBeLessThan(5_000);
  });

  it('stops retrying at once when the login itself is refused', async () => {
    const tmp = await tempDataDir();
    const server = await startEmbeddedPostgres({ dataDir: tmp.dir });
    try {
      const u = new URL(server.url);
      u.password = 'wrong';
      const t = Date.now();
      const err = await openDatabase(testConfig(u.toString(), { DATABASE_CONNECT_RETRIES: '5' })).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'db_unreachable', message: expect.stringContaining('password authentication failed') });
      expect(Date.now() - t).toBeLessThan(1_000);
    } finally {
      await server.stop();
      await tmp.remove();
    }
  });

  it('requires a data folder when DATABASE_URL is unset', async () => {
    await expect(openDatabase(testConfig(undefined))).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringContaining('DATABASE_URL is unset') });
  });

  it('starts the embedded server when DATABASE_URL is unset, and stops it on close', async () => {
    const tmp = await tempDataDir();
    try {
      // TLS settings meant for production must not break the embedded server.
      const h = await openDatabase(testConfig(undefined, { DATABASE_SSL: 'verify-full' }), undefined, { dataDir: tmp.dir, applicationName: 'bigapp-test' });
      expect(h.embedded).toBeDefined();
      await h.ping();
      await h.close();
      await h.close();
      await expect(fs.access(path.join(tmp.dir, 'pg', 'postmaster.pid'))).rejects.toThrow();
    } finally {
      await tmp.remove();
    }
  });
});

describe('TLS (DATABASE_SSL) against a server with a self-signed certificate', () => {
  let tmp: { dir: string; remove(): Promise<void> };
  let server: EmbeddedPostgres;
  let caFile: string;
  beforeAll(async () => {
    tmp = await tempDataDir();
    const tls = path.join(tmp.dir, 'tls');
    await fs.mkdir(tls, { mode: 0o755 });
    caFile = path.join(tls, 'server.crt');
    const key = path.join(tls, 'server.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', caFile], { stdio: 'ignore' });
    await fs.chmod(caFile, 0o644);
    await fs.chmod(key, 0o600);
    if (process.getuid?.() === 0) {
      // PostgreSQL only accepts a key owned by the user it runs as (or root)
      // with no group/other access; the server runs as `postgres` here.
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      await fs.chown(key, uid, gid);
      await fs.chmod(tls, 0o755);
    }
    server = await startEmbeddedPostgres({ dataDir: tmp.dir, postgresFlags: ['-c', 'ssl=on', '-c', `ssl_cert_file=${caFile}`, '-c', `ssl_key_file=${key}`] });
  });
  afterAll(async () => {
    await server?.stop();
    await tmp?.remove();
  });

  const encrypted = async (h: { db: import('kysely').Kysely<any> }) => {
    const { sql } = await import('kysely');
    const { rows } = await sql<{ ssl: boolean }>`select ssl from pg_stat_ssl where pid = pg_backend_pid()`.execute(h.db);
    return rows[0]?.ssl;
  };

  it('disable: plain connection', async () => {
    const h = await openDatabase(testConfig(server.url, { DATABASE_SSL: 'disable' }));
    expect(await encrypted(h)).toBe(false);
    await h.close();
  });

  it('require: encrypted without checking the certificate', async () => {
    const h = await openDatabase(testConfig(server.url, { DATABASE_SSL: 'require' }));
    expect(await encrypted(h)).toBe(true);
    await h.close();
  });

  it('sslmode=require in the URL is honoured when DATABASE_SSL is unset', async () => {
    const h = await openDatabase(testConfig(`${server.url}?sslmode=require`));
    expect(await encrypted(h)).toBe(true);
    await h.close();
  });

  it('verify-full: accepted with DATABASE_SSL_CA, refused at once without it', async () => {
    const h = await openDatabase(testConfig(server.url, { DATABASE_SSL: 'verify-full', DATABASE_SSL_CA: caFile }));
    expect(await encrypted(h)).toBe(true);
    await h.close();
    const pem = await fs.readFile(caFile, 'utf8');
    const h2 = await openDatabase(testConfig(server.url, { DATABASE_SSL: 'verify-full', DATABASE_SSL_CA: pem }));
    await h2.close();

    const t = Date.now();
    const err = await openDatabase(testConfig(server.url, { DATABASE_SSL: 'verify-full', DATABASE_CONNECT_RETRIES: '5' })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'db_unreachable', message: expect.stringMatching(/self[- ]signed|certificate/i) });
    expect(Date.now() - t).toBeLessThan(1_000);
  });

  it('names DATABASE_SSL_CA when the file is missing', async () => {
    const err = await openDatabase(testConfig(server.url, { DATABASE_SSL: 'verify-full', DATABASE_SSL_CA: '/nope/ca.pem' })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'config_invalid', message: expect.stringContaining('DATABASE_SSL_CA') });
  });
});
