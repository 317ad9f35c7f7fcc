import { sql, type Kysely } from 'kysely';
import { DbError } from './errors.js';
import { silentLog, type DbLog } from './log.js';

export interface Migration {
  /** Unique and sortable, e.g. `0002_add_media`; it is the changelog key. */
  name: string;
  up(db: Kysely<any>): Promise<void>;
  /**
   * Run outside a transaction (for CREATE INDEX CONCURRENTLY and the like).
   * A failure half-way then leaves partial changes: write such steps to be
   * re-runnable (IF NOT EXISTS).
   */
  transaction?: false;
}

export interface MigrationStatus {
  applied: { name: string; appliedAt: Date }[];
  pending: string[];
  /** In the changelog but not in this code: a newer version migrated this database. */
  unknown: string[];
}

export const MIGRATIONS_TABLE = 'bigapp_migrations';
// One fixed key for "the bigapp schema". Advisory locks are per database, so
// test databases on one server do not wait on each other.
const LOCK_KEY = sql`7031954211001::bigint`;

/**
 * Applies the pending migrations in order, each with its changelog row in one
 * transaction. A session advisory lock held on one dedicated connection makes
 * concurrent runs (two replicas starting, cmd-pod plus CLI) take turns: the
 * second waits, then finds nothing left to do. Returns the names it applied.
 */
export async function migrate(db: Kysely<any>, migrations: readonly Migration[], log: DbLog = silentLog): Promise<string[]> {
  checkNames(migrations);
  return db.connection().execute(async (conn) => {
    // Index builds and the wait for the lock may outlast the pool's statement
    // timeout; RESET below restores the connection's own default.
    await sql`set statement_timeout = 0`.execute(conn);
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${LOCK_KEY}) as locked`.execute(conn);
    if (!rows[0]?.locked) {
      log.info({}, 'another migration run holds the lock; waiting');
      await sql`select pg_advisory_lock(${LOCK_KEY})`.execute(conn);
    }
    try {
      await ensureChangelog(conn);
      const done = new Set((await readChangelog(conn)).map((r) => r.name));
      const unknown = [...done].filter((n) => !migrations.some((m) => m.name === n));
      if (unknown.length) log.warn({ unknown }, 'database has migrations this code does not know (a newer version ran)');
      const applied: string[] = [];
      for (const m of migrations) {
        if (done.has(m.name)) continue;
        const t0 = Date.now();
        try {
          const step = async (tx: Kysely<any>) => {
            await m.up(tx);
            await tx.insertInto(MIGRATIONS_TABLE).values({ name: m.name, duration_ms: Date.now() - t0 }).execute();
          };
          if (m.transaction === false) await step(conn);
          else await conn.transaction().execute(step);
        } catch (err) {
          throw new DbError('db_migration_failed', `migration ${m.name} failed: ${(err as Error).message}`, { cause: err, details: { migration: m.name, applied } });
        }
        applied.push(m.name);
        log.info({ migration: m.name, ms: Date.now() - t0 }, 'migration applied');
      }
      return applied;
    } finally {
      // If the connection died, the server has dropped the lock with it.
      await sql`select pg_advisory_unlock(${LOCK_KEY})`.execute(conn).catch(() => {});
      await sql`reset statement_timeout`.execute(conn).catch(() => {});
    }
  });
}

export async function migrationStatus(db: Kysely<any>, migrations: readonly Migration[]): Promise<MigrationStatus> {
  checkNames(migrations);
  const { rows } = await sql<{ exists: boolean }>`select to_regclass(${MIGRATIONS_TABLE}) is not null as exists`.execute(db);
  const rowsApplied = rows[0]?.exists ? await readChangelog(db) : [];
  const done = new Set(rowsApplied.map((r) => r.name));
  return {
    applied: rowsApplied.map((r) => ({ name: r.name, appliedAt: r.applied_at })),
    pending: migrations.map((m) => m.name).filter((n) => !done.has(n)),
    unknown: rowsApplied.map((r) => r.name).filter((n) => !migrations.some((m) => m.name === n)),
  };
}

async function ensureChangelog(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable(MIGRATIONS_TABLE)
    .ifNotExists()
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('applied_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('duration_ms', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

function readChangelog(db: Kysely<any>): Promise<{ name: string; applied_at: Date }[]> {
  return db.selectFrom(MIGRATIONS_TABLE).select(['name', 'applied_at']).orderBy('applied_at').orderBy('name').execute();
}

function checkNames(migrations: readonly Migration[]): void {
  const seen = new Set<string>();
  for (const m of migrations) {
    if (!m.name || seen.has(m.name)) throw new DbError('db_migration_failed', `migration list is invalid: name ${JSON.stringify(m.name)} is empty or repeated`);
    seen.add(m.name);
  }
}
