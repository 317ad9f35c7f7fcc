import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runBigapp, type Spawned } from '../support/processes.js';
import { findPostgres } from '../support/servers.js';
import { ThrowawayRedis, redisServerAvailable } from '../support/redis-server.js';
import { throwawayDatabase } from '../db/helpers.js';
import { migrations } from '@bigapp/kit/db';

/** The cmd-pod's operations, through the real `bigapp cmd`, on a real PostgreSQL. */
const run = promisify(execFile);
const found = await findPostgres();

describe.skipIf(!found.url)('bigapp cmd', () => {
  let database: Awaited<ReturnType<typeof throwawayDatabase>>;
  let dataDir: string;
  let env: Record<string, string>;
  const procs: Spawned[] = [];
  let redis: ThrowawayRedis | undefined;

  const cmd = (args: string[], extra: Record<string, string> = {}) =>
    run(process.execPath, [BIN, 'cmd', ...args], { env: { ...process.env, ...env, ...extra }, timeout: 60_000 }).then(
      (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
    );
  const json = async (args: string[], extra: Record<string, string> = {}) => {
    const r = await cmd(args, extra);
    if (r.code !== 0) throw new Error(`bigapp cmd ${args.join(' ')} failed: ${r.err}`);
    return JSON.parse(r.out) as Record<string, unknown> & unknown[];
  };

  beforeAll(async () => {
    database = await throwawayDatabase(found.url!);
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'bigapp-cmd-'));
    env = { DATABASE_URL: database.url, BIGAPP_DATA_DIR: dataDir, BIGAPP_ENV: 'test', LOG_LEVEL: 'silent', REDIS_URL: '' };
  });
  afterAll(async () => {
    for (const p of procs) p.proc.kill('SIGKILL');
    await redis?.destroy();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists its operations', async () => {
    const r = await cmd(['--list']);
    for (const op of ['db:migrate', 'db:status', 'db:seed', 'db:reset', 'user:create', 'user:set-password', 'user:list', 'queue:stats', 'queue:retry-dead', 'queue:purge', 'storage:orphans', 'db:backup', 'db:restore']) {
      expect(r.out).toContain(op);
    }
  });

  it('two db:migrate at once: one applies, the other finds nothing to do', async () => {
    const all = migrations.map((m) => m.name);
    expect((await json(['db:status'])).pending).toEqual(all);
    const [a, b] = await Promise.all([json(['db:migrate']), json(['db:migrate'])]);
    expect([...(a.applied as string[]), ...(b.applied as string[])]).toEqual(all);
    expect((a.applied as string[]).length === 0 || (b.applied as string[]).length === 0).toBe(true);
    const st = await json(['db:status']);
    expect(st.pending).toEqual([]);
    expect((st.applied as { name: string }[]).map((m) => m.name)).toEqual(all);
  });

  it('manages users, with clear errors for bad input', async () => {
    expect(await json(['user:create', 'alice', '--password', 'correct-horse-battery', '--role', 'admin'])).toMatchObject({ username: 'alice', role: 'admin' });
    const dup = await cmd(['user:create', 'alice', '--password', 'correct-horse-battery']);
    expect(dup.code).toBe(1);
    expect(dup.err).toContain('[conflict] user:create: alice already exists');
    expect((await cmd(['user:create', 'Bad Name!', '--password', 'correct-horse-battery'])).err).toContain('<username> must be');
    expect((await cmd(['user:create', 'bob', '--password', 'short'])).err).toContain('10 to 200 characters');
    expect((await cmd(['user:create', 'bob', '--password', 'long-enough-pw', '--role', 'root'])).err).toContain('--role must be one of admin, member');
    expect((await cmd(['user:create', 'bob', '--pasword', 'x'])).err).toContain("Unknown option '--pasword'");
    expect(await json(['user:set-password', 'alice', '--password', 'another-long-password'])).toEqual({ username: 'alice', updated: true });
    expect((await cmd(['user:set-password', 'nobody', '--password', 'another-long-password'])).err).toContain('no user nobody');
    expect(await json(['db:seed'])).toMatchObject({ created: true, username: 'demo' });
    expect(await json(['db:seed'])).toMatchObject({ created: false });
    const users = (await json(['user:list'])) as unknown as { username: string }[];
    expect(users.map((u) => u.username)).toEqual(['alice', 'demo']);
    expect((await cmd(['no:such-op'])).err).toContain('unknown operation no:such-op');
  });

  it('records who ran what in audit_log, passwords redacted', async () => {
    const c = new pg.Client({ connectionString: database.url });
    await c.connect();
    const { rows } = await c.query<{ actor: string; op: string; args: string[]; ok: boolean; error: string | null }>(`select actor, op, args, ok, error from audit_log where op like 'user:%' order by id`);
    await c.end();
    expect(rows.length).toBeGreaterThanOrEqual(8);
    expect(rows[0]).toMatchObject({ op: 'user:create', ok: true, args: ['alice', '--password', '***', '--role', 'admin'] });
    expect(rows.some((r) => !r.ok && r.error?.startsWith('conflict'))).toBe(true);
    expect(JSON.stringify(rows)).not.toContain('correct-horse-battery');
    expect(rows[0]!.actor).toContain('@');
  });

  it('refuses db:reset outside dev and test', async () => {
    const r = await cmd(['db:reset', '--yes'], { BIGAPP_ENV: 'prod' });
    expect(r.code).toBe(1);
    expect(r.err).toContain('[forbidden] db:reset is refused in the prod environment');
    expect((await cmd(['db:reset'])).err).toContain('repeat with --yes');
    expect(((await json(['user:list'])) as unknown[]).length).toBe(2);
  });

  it('backs up to the bucket and restores', async () => {
    const b = await json(['db:backup']);
    expect(b.key).toMatch(/^backups\/.*\.ndjson\.gz$/);
    expect((b.rows as Record<string, number>).users).toBe(2);
    expect(existsSync(path.join(dataDir, 'bucket', b.key as string))).toBe(true);
    await json(['user:create', 'carol', '--password', 'carol-password-1']);
    expect(((await json(['user:list'])) as unknown[]).length).toBe(3);
    const r = await json(['db:restore', b.key as string, '--yes']);
    expect((r.rows as Record<string, number>).users).toBe(2);
    expect(((await json(['user:list'])) as { username: string }[]).map((u) => u.username)).toEqual(['alice', 'demo']);
    expect((await cmd(['db:restore', 'backups/nope.ndjson.gz', '--yes'])).err).toContain('not_found');
    expect((await cmd(['db:restore', '../../etc/passwd', '--yes'])).err).toContain('invalid_key');
  });

  it('finds bucket objects no row references, and deletes them on --yes', async () => {
    mkdirSync(path.join(dataDir, 'bucket', 'stray'), { recursive: true });
    writeFileSync(path.join(dataDir, 'bucket', 'stray', 'a.bin'), 'x'.repeat(10));
    const listed = await json(['storage:orphans']);
    expect(listed).toMatchObject({ orphans: 1, bytes: 10, deleted: 0, keys: ['stray/a.bin'] });
    expect(await json(['storage:orphans', '--yes'])).toMatchObject({ orphans: 1, deleted: 1 });
    expect(existsSync(path.join(dataDir, 'bucket', 'stray', 'a.bin'))).toBe(false);
    expect(await json(['storage:orphans'])).toMatchObject({ orphans: 0 });
  });

  it('waits for the cmd lock: one operation at a time', async () => {
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    await holder.query('select pg_advisory_lock($1)', [0x636d_6421]);
    let finished = false;
    const waiting = cmd(['user:list']).then((r) => {
      finished = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(finished).toBe(false);
    await holder.query('select pg_advisory_unlock($1)', [0x636d_6421]);
    expect((await waiting).code).toBe(0);
    await holder.end();
  });

  it.skipIf(!redisServerAvailable())('runs remotely through cmd.queue on the cmd service', async () => {
    redis = await ThrowawayRedis.start();
    const svc = runBigapp(['start', 'cmd'], { ...env, REDIS_URL: redis.url, LOG_LEVEL: 'info' });
    procs.push(svc);
    await svc.waitForLine((l) => l.msg === 'ready', 30_000);
    const st = await json(['--remote', 'db:status'], { REDIS_URL: redis.url });
    expect(st.pending).toEqual([]);
    const bad = await cmd(['--remote', 'db:reset', '--yes'], { REDIS_URL: redis.url, BIGAPP_ENV: 'prod' });
    // The pod's environment (test) decides, not the caller's.
    expect(bad.code).toBe(0);
    const q = (await json(['--remote', 'queue:stats', 'demo'], { REDIS_URL: redis.url })) as unknown as { service: string }[];
    expect(q[0]).toMatchObject({ service: 'demo', queued: 0 });
    expect((await cmd(['--remote', 'queue:purge', 'nope', '--yes'], { REDIS_URL: redis.url })).err).toContain('unknown service nope');
    svc.proc.kill('SIGTERM');
    expect((await svc.exited).code).toBe(0);
  });
});

describe('start-up against a bad database', () => {
  const start = (extra: Record<string, string>) =>
    run(process.execPath, [BIN, 'start', 'cmd'], { env: { ...process.env, LOG_FORMAT: 'json', BIGAPP_OPS_PORT: '0', ...extra }, timeout: 60_000 }).then(
      () => ({ code: 0, err: '' }),
      (e: { code: number; stderr: string; stdout: string }) => ({ code: e.code, err: e.stderr + e.stdout }),
    );

  it('a malformed DATABASE_URL stops start-up at once, naming it', async () => {
    const r = await start({ DATABASE_URL: 'not a url' });
    expect(r.code).toBe(2);
    expect(r.err).toContain('DATABASE_URL');
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('a DATABASE_URL pointing nowhere fails after bounded retries with a clear error', async () => {
    const t0 = Date.now();
    const r = await start({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/nothing', DATABASE_CONNECT_RETRIES: '2' });
    expect(r.code).toBe(1);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(r.err).toContain('db_unreachable');
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
