import { sql, type Kysely } from 'kysely';
import type { Migration } from '../migrate.js';

/**
 * Migrations take Kysely<any>: they describe the schema as it was at their
 * point in history, which the current `Database` type no longer matches.
 */
export const init: Migration = {
  name: '0001_init',
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('service', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('payload', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
      .addColumn('status', 'text', (c) =>
        c.notNull().defaultTo('queued').check(sql`status in ('queued', 'active', 'succeeded', 'failed', 'dead')`),
      )
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0).check(sql`attempts >= 0`))
      .addColumn('max_attempts', 'integer', (c) => c.notNull().defaultTo(5).check(sql`max_attempts >= 1`))
      .addColumn('result', 'jsonb')
      .addColumn('error', 'jsonb')
      .addColumn('trace_id', 'text')
      .addColumn('idempotency_key', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('finished_at', 'timestamptz')
      .addColumn('run_after', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('next_check_at', 'timestamptz')
      // NULLs are distinct, so only keyed jobs are constrained; a plain
      // constraint (not a partial index) lets `ON CONFLICT (service,
      // idempotency_key)` find it without repeating a WHERE clause.
      .addUniqueConstraint('jobs_service_idempotency_key_key', ['service', 'idempotency_key'])
      .execute();
    // Dashboards and the reaper: "what is stuck in active since when".
    await db.schema.createIndex('jobs_status_updated_at_idx').on('jobs').columns(['status', 'updated_at']).execute();
    // Per-service listings, newest first.
    await db.schema.createIndex('jobs_service_created_at_idx').on('jobs').columns(['service', 'created_at desc']).execute();
    // The reconciler scans only unfinished jobs, so the index stays small.
    await db.schema
      .createIndex('jobs_next_check_at_idx')
      .on('jobs')
      .column('next_check_at')
      .where(sql.ref('status'), 'in', ['queued', 'active'])
      .execute();

    await db.schema
      .createTable('users')
      .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
      .addColumn('username', 'text', (c) => c.notNull().unique())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull().defaultTo('member').check(sql`role in ('admin', 'member')`))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();

    await db.schema
      .createTable('audit_log')
      .addColumn('id', 'bigserial', (c) => c.primaryKey())
      .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('op', 'text', (c) => c.notNull())
      .addColumn('args', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
      .addColumn('ok', 'boolean', (c) => c.notNull())
      .addColumn('result', 'jsonb')
      .addColumn('error', 'text')
      .execute();
    await db.schema.createIndex('audit_log_at_idx').on('audit_log').column('at').execute();
    await db.schema.createIndex('audit_log_actor_at_idx').on('audit_log').columns(['actor', 'at']).execute();
  },
};
