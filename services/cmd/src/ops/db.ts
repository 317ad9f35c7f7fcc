import { sql } from 'kysely';
import { hashPassword } from '@bigapp/kit/auth';
import { migrate, migrationStatus, migrations } from '@bigapp/kit/db';
import { OpError, type Operation } from '../context.js';
import { parseOpArgs } from '../args.js';

export const dbMigrate: Operation = {
  name: 'db:migrate',
  summary: 'apply pending migrations (an advisory lock keeps two runs apart)',
  usage: 'db:migrate',
  async run(ctx, args) {
    parseOpArgs('db:migrate', args, {}, 0);
    const applied = await migrate(ctx.db.db, migrations, ctx.log);
    return { applied };
  },
};

export const dbStatus: Operation = {
  name: 'db:status',
  summary: 'list applied and pending migrations',
  usage: 'db:status',
  async run(ctx, args) {
    parseOpArgs('db:status', args, {}, 0);
    return migrationStatus(ctx.db.db, migrations);
  },
};

export const DEMO_USER = { username: 'demo', password: 'demo-password', role: 'admin' as const };

export const dbSeed: Operation = {
  name: 'db:seed',
  summary: 'create the demo account (idempotent)',
  usage: 'db:seed',
  async run(ctx, args) {
    parseOpArgs('db:seed', args, {}, 0);
    const existing = await ctx.db.db.selectFrom('users').select('id').where('username', '=', DEMO_USER.username).executeTakeFirst();
    if (existing) return { created: false, username: DEMO_USER.username };
    await ctx.db.db.insertInto('users').values({ username: DEMO_USER.username, password_hash: await hashPassword(DEMO_USER.password), role: DEMO_USER.role }).execute();
    return { created: true, username: DEMO_USER.username, password: DEMO_USER.password };
  },
};

export const dbReset: Operation = {
  name: 'db:reset',
  summary: 'drop every table and migrate again (dev and test only)',
  usage: 'db:reset --yes',
  async run(ctx, args) {
    const { values } = parseOpArgs('db:reset', args, { yes: { type: 'boolean' } }, 0);
    if (ctx.config.env !== 'dev' && ctx.config.env !== 'test') {
      throw new OpError('forbidden', `db:reset is refused in the ${ctx.config.env} environment (only dev and test)`);
    }
    if (!values.yes) throw new OpError('bad_request', 'db:reset deletes all data: repeat with --yes');
    await sql`drop schema public cascade`.execute(ctx.db.db);
    await sql`create schema public`.execute(ctx.db.db);
    const applied = await migrate(ctx.db.db, migrations, ctx.log);
    return { reset: true, applied };
  },
};
