import { sql, type Kysely } from 'kysely';
import type { Migration } from '../migrate.js';

/** Each attempt of a durable job (worker, duration, error), for the operations dashboard. */
export const jobAttempts: Migration = {
  name: '0003_job_attempts',
  async up(db: Kysely<any>) {
    await db.schema.alterTable('jobs').addColumn('attempt_log', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`)).execute();
  },
};
