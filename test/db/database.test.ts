import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  migrate,
  migrationStatus,
  migrations,
  openDatabase,
  startEmbeddedPostgres,
  toJsonb,
  type DatabaseHandle,
  type EmbeddedPostgres,
  type Migration,
} from '../../packages/kit/src/db/index.js';
import { findPostgres } from '../support/servers.js';
import { memoryLog, tempDataDir, testConfig, throwawayDatabase } from './helpers.js';

/**
 * The same contract against the machine's shared PostgreSQL and against the
 * embedded one, since `npm start` and production must behave alike.
 */
interface Target {
  /** URL of a maintenance database on the server, for CREATE DATABASE. */
  serverUrl: string | undefined;
  stop(): Promise<void>;
}

const shared = await findPostgres();

const targets: [string, () => Promise<Target>][] = [
  ['shared server', async () => ({ serverUrl: shared.url, stop: async () => {} })],
  [
    'embedded server',
    async () => {
      const tmp = await tempDataDir();
      const pg: EmbeddedPostgres = await startEmbeddedPostgres({ dataDir: tmp.dir });
      const u = new URL(pg.url);
      u.pathname = '/postgres';
      return { serverUrl: u.toString(), stop: async () => { await pg.stop(); await tmp.remove(); } };
    },
  ],
];

describe.each(targets)('database on the %s', (_label, makeTarget) => {
  let target: Target;
  let scratch: { url: string; drop(): Promise<void> } | undefined;
  let h: DatabaseHandle;

  beforeAll(async () => {
    target = await makeTarget();
    if (!target.serverUrl) return;
    scratch = await throwawayDatabase(target.serverUrl);
    h = await openDatabase(testConfig(scratch.url));
  });
  afterAll(async () => {
    await h?.close();
    await scratch?.drop();
    await target?.stop();
  });

  it('connects and answers a ping', async (ctx) => {
    if (!scratch) return ctx.skip();
    await h.ping();
    const { rows } = await sql<{ n: number }>`select count(*) as n from pg_stat_activity where datname = current_database()`.execute(h.db);
    // int8 comes back as a number from this pool, not a string.
    expect(typeof rows[0]?.n).toBe('number');
  });

  it('reports every migration pending on an empty database', async (ctx) => {
    if (!scratch) return ctx.skip();
    const st = await migrationStatus(h.db, migrations);
    expect(st).toEqual({ applied: [], pending: migrations.map((m) => m.name), unknown: [] });
  });

  it('migrates, records the changelog, and a re-run does nothing', async (ctx) => {
    if (!scratch) return ctx.skip();
    const before = Date.now();
    expect(await migrate(h.db, migrations)).toEqual(migrations.map((m) => m.name));
    const st = await migrationStatus(h.db, migrations);
    expect(st.pending).toEqual([]);
    expect(st.applied.map((a) => a.name)).toEqual(migrations.map((m) => m.name));
    expect(st.applied[0]!.appliedAt).toBeInstanceOf(Date);
    expect(st.applied[0]!.appliedAt.getTime()).toBeGreaterThan(before - 60_000);
    expect(await migrate(h.db, migrations)).toEqual([]);
    // A version that knows one more migration sees exactly that one pending.
    const next: Migration = { name: '9999_next', up: async () => {} };
    expect((await migrationStatus(h.db, [...migrations, next])).pending).toEqual(['9999_next']);
  });

  it('stores and reads jobs, users and audit entries with their types', async (ctx) => {
    if (!scratch) return ctx.skip();
    const inserted = await h.db
      .insertInto('jobs')
      .values({ id: 'job-1', service: 'image', type: 'thumbnail', payload: toJsonb({ key: 'a.png', sizes: [64, 128] }), trace_id: 't1', idempotency_key: 'k1' })
      .returningAll()
      .executeTakeFirstOrThrow();
    expect(inserted).toMatchObject({ status: 'queued', attempts: 0, max_attempts: 5, result: null, error: null, finished_at: null, next_check_at: null });
    expect(inserted.payload).toEqual({ key: 'a.png', sizes: [64, 128] });
    expect(inserted.created_at).toBeInstanceOf(Date);

    await h.db
      .updateTable('jobs')
      .set({ status: 'succeeded', attempts: 1, result: toJsonb([1, 2]), finished_at: new Date(), updated_at: new Date() })
      .where('id', '=', 'job-1')
      .execute();
    const job = await h.db.selectFrom('jobs').selectAll().where('id', '=', 'job-1').executeTakeFirstOrThrow();
    expect(job.status).toBe('succeeded');
    expect(job.result).toEqual([1, 2]);

    // The idempotency key is unique per service only, and only when set.
    const dup = h.db.insertInto('jobs').values({ id: 'job-2', service: 'image', type: 'thumbnail', payload: '{}', idempotency_key: 'k1' }).execute();
    await expect(dup).rejects.toThrow(/jobs_service_idempotency_key_key/);
    await h.db.insertInto('jobs').values({ id: 'job-3', service: 'export', type: 'zip', payload: '{}', idempotency_key: 'k1' }).execute();
    await h.db.insertInto('jobs').values([{ id: 'job-4', service: 'image', type: 't', payload: '{}' }, { id: 'job-5', service: 'image', type: 't', payload: '{}' }]).execute();
    const bad = h.db.insertInto('jobs').values({ id: 'job-6', service: 'image', type: 't', payload: '{}', status: 'weird' as 'queued' }).execute();
    await expect(bad).rejects.toThrow(/check constraint/);

    const user = await h.db.insertInto('users').values({ username: 'ada', password_hash: 'x' }).returningAll().executeTakeFirstOrThrow();
    expect(user.role).toBe('member');
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
    await expect(h.db.insertInto('users').values({ username: 'ada', password_hash: 'y' }).execute()).rejects.toThrow(/unique/);

    const a = await h.db.insertInto('audit_log').values({ actor: 'ada', op: 'queue.retry', args: toJsonb({ id: 'job-1' }), ok: true }).returning(['id', 'at']).executeTakeFirstOrThrow();
    expect(typeof a.id).toBe('number');
    expect(a.at).toBeInstanceOf(Date);
  });

  it('lets two concurrent runs take turns: one applies, the other waits and applies nothing', async (ctx) => {
    if (!target.serverUrl) return ctx.skip();
    const fresh = await throwawayDatabase(target.serverUrl);
    const [a, b] = await Promise.all([openDatabase(testConfig(fresh.url)), openDatabase(testConfig(fresh.url))]);
    try {
      // A slow step keeps the lock held long enough that the runs overlap.
      const list: Migration[] = [...migrations, { name: '0002_slow', up: async (db) => void (await sql`select pg_sleep(0.5)`.execute(db)) }];
      const logA = memoryLog();
      const logB = memoryLog();
      const [ra, rb] = await Promise.all([migrate(a.db, list, logA), migrate(b.db, list, logB)]);
      const names = list.map((m) => m.name);
      expect([ra, rb].sort((x, y) => y.length - x.length)).toEqual([names, []]);
      const waited = [...logA.entries, ...logB.entries].filter((e) => e.msg?.includes('waiting'));
      expect(waited).toHaveLength(1);
      const rows = await a.db.selectFrom('bigapp_migrations').select(['name']).execute();
      expect(rows.map((r) => r.name).sort()).toEqual([...names].sort());
    } finally {
      await a.close();
      await b.close();
      await fresh.drop();
    }
  });
});
