import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDbError, migrate, migrations, openDatabase, startEmbeddedPostgres, toJsonb, type EmbeddedPostgres } from '../../packages/kit/src/db/index.js';
import { isAlive } from '../../packages/kit/src/db/embedded-process.js';
import { tempDataDir } from './helpers.js';

async function count(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {});
  await c.connect();
  try {
    return Number((await c.query('select count(*) as n from kept')).rows[0].n);
  } finally {
    await c.end();
  }
}

async function exec(url: string, statement: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {});
  await c.connect();
  await c.query(statement).finally(() => c.end());
}

const exited = async (pid: number) => {
  for (let i = 0; i < 200 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 25));
  return !isAlive(pid);
};

describe('embedded PostgreSQL', () => {
  let tmp: { dir: string; remove(): Promise<void> };
  let current: EmbeddedPostgres | undefined;
  beforeAll(async () => {
    tmp = await tempDataDir();
  });
  afterAll(async () => {
    await current?.stop();
    await tmp.remove();
  });

  it('initialises once, and a restart keeps the data (and is fast)', async () => {
    let t = Date.now();
    current = await startEmbeddedPostgres({ dataDir: tmp.dir });
    const firstMs = Date.now() - t;
    expect(current.initialised).toBe(true);
    expect(current.pgDir).toBe(path.join(tmp.dir, 'pg'));
    await exec(current.url, 'create table kept (n int); insert into kept values (1)');
    await current.stop();

    t = Date.now();
    current = await startEmbeddedPostgres({ dataDir: tmp.dir });
    const restartMs = Date.now() - t;
    expect(current.initialised).toBe(false);
    expect(await count(current.url)).toBe(1);
    console.log(`[timing] embedded first init + start: ${firstMs} ms; restart: ${restartMs} ms`);
    expect(restartMs).toBeLessThan(5_000);
  });

  it('starts again after the server was killed with -9 (stale postmaster.pid)', async () => {
    const before = current!;
    process.kill(before.pid, 'SIGKILL');
    expect(await exited(before.pid)).toBe(true);
    await expect(fs.access(path.join(before.pgDir, 'postmaster.pid'))).resolves.toBeUndefined();
    current = await startEmbeddedPostgres({ dataDir: tmp.dir });
    expect(await count(current.url)).toBe(1);
    await before.stop(); // already dead: must be a no-op
  });

  it('takes over a server orphaned by a Node process killed with -9', async () => {
    const orphan = current!;
    // Simulate the owner dying: its pid now names a finished process.
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.once('exit', r));
    await fs.writeFile(path.join(orphan.pgDir, 'bigapp-owner.pid'), String(dead.pid));
    current = await startEmbeddedPostgres({ dataDir: tmp.dir });
    expect(await exited(orphan.pid)).toBe(true);
    expect(current.pid).not.toBe(orphan.pid);
    expect(await count(current.url)).toBe(1);
  });

  it('refuses a data folder whose server is owned by another live process', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await fs.writeFile(path.join(current!.pgDir, 'bigapp-owner.pid'), String(other.pid));
      const second = startEmbeddedPostgres({ dataDir: tmp.dir });
      await expect(second).rejects.toMatchObject({ code: 'db_embedded_failed', message: expect.stringContaining(`pid ${other.pid}`) });
      expect(isAlive(current!.pid)).toBe(true);
    } finally {
      other.kill('SIGKILL');
      await fs.writeFile(path.join(current!.pgDir, 'bigapp-owner.pid'), String(process.pid));
    }
  });

  it('refuses a non-empty pg folder it did not create', async () => {
    const foreign = await tempDataDir();
    try {
      await fs.mkdir(path.join(foreign.dir, 'pg'));
      await fs.writeFile(path.join(foreign.dir, 'pg', 'PG_VERSION'), '16\n');
      await expect(startEmbeddedPostgres({ dataDir: foreign.dir })).rejects.toMatchObject({ code: 'db_embedded_failed', message: expect.stringContaining('not created by bigapp') });
    } finally {
      await foreign.remove();
    }
  });
});

describe('a running service across a PostgreSQL restart', () => {
  let tmp: { dir: string; remove(): Promise<void> };
  let server: EmbeddedPostgres;
  beforeAll(async () => {
    tmp = await tempDataDir();
    server = await startEmbeddedPostgres({ dataDir: tmp.dir });
  });
  afterAll(async () => {
    await server?.stop();
    await tmp.remove();
  });

  for (const how of ['stopped', 'killed -9'] as const) {
    it(`fails fast while PostgreSQL is ${how}, then the same db object works again`, async () => {
      const h = await openDatabase({ url: server.url, ssl: undefined, sslCa: undefined, poolMax: 4, statementTimeoutMs: 5_000, connectTimeoutMs: 2_000, connectRetries: 0 });
      let crashed: unknown;
      const onUncaught = (err: unknown) => (crashed = err);
      process.on('uncaughtException', onUncaught);
      try {
        await migrate(h.db, migrations);
        await h.db.insertInto('jobs').values({ id: `j-${how}`, service: 's', type: 't', payload: toJsonb({}) }).onConflict((oc) => oc.doNothing()).execute();
        // Warm several pooled connections, so the restart hits idle clients too.
        await Promise.all([1, 2, 3].map(() => sql`select pg_sleep(0.05)`.execute(h.db)));

        const port = server.port;
        if (how === 'stopped') await server.stop();
        else {
          process.kill(server.pid, 'SIGKILL');
          expect(await exited(server.pid)).toBe(true);
        }

        for (let i = 0; i < 3; i++) {
          const t = Date.now();
          const err = await h.db.selectFrom('jobs').selectAll().execute().then(() => undefined, (e: unknown) => e);
          expect(isDbError(err, 'db_unavailable'), String(err)).toBe(true);
          expect(Date.now() - t).toBeLessThan(1_500);
        }
        await expect(h.ping()).rejects.toMatchObject({ code: 'db_unavailable', safeMessage: 'The database is temporarily unavailable.' });

        server = await startEmbeddedPostgres({ dataDir: tmp.dir, port });
        expect(server.port).toBe(port);
        await h.ping();
        const rows = await h.db.selectFrom('jobs').select('id').where('id', '=', `j-${how}`).execute();
        expect(rows).toEqual([{ id: `j-${how}` }]);
        expect(crashed).toBeUndefined();
      } finally {
        process.off('uncaughtException', onUncaught);
        await h.close();
      }
    });
  }
});
