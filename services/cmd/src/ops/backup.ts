import { Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { sql } from 'kysely';
import { migrationStatus, migrations } from '@bigapp/kit/db';
import { OpError, type Operation, type OpContext } from '../context.js';
import { need, parseOpArgs } from '../args.js';

/**
 * A logical backup of bigapp's tables as gzipped NDJSON in the bucket: the
 * same on the embedded server, a cluster PostgreSQL and a managed one, with
 * no pg_dump of a matching version needed. Tables in restore order (parents
 * first); each with the column that pages it.
 */
export const BACKUP_TABLES: { table: string; key: string }[] = [
  { table: 'users', key: 'id' },
  { table: 'workspaces', key: 'id' },
  { table: 'memberships', key: "workspace_id::text || ':' || user_id::text" },
  { table: 'media', key: 'id' },
  { table: 'api_tokens', key: 'id' },
  { table: 'jobs', key: 'id' },
  { table: 'audit_log', key: 'id' },
];

const PAGE = 1_000;

async function* backupLines(ctx: OpContext): AsyncGenerator<string> {
  const status = await migrationStatus(ctx.db.db, migrations);
  yield `${JSON.stringify({ bigapp_backup: 1, at: new Date().toISOString(), migrations: status.applied.map((m) => m.name), tables: BACKUP_TABLES.map((t) => t.table) })}\n`;
  for (const { table, key } of BACKUP_TABLES) {
    let last: unknown = null;
    for (;;) {
      const { rows } = await sql<{ k: unknown; r: unknown }>`
        select ${sql.raw(key)} as k, to_jsonb(t) as r from ${sql.table(table)} t
        where ${last === null ? sql`true` : sql`${sql.raw(key)} > ${last}`}
        order by ${sql.raw(key)} limit ${PAGE}`.execute(ctx.db.db);
      for (const row of rows) yield `${JSON.stringify({ t: table, r: row.r })}\n`;
      if (rows.length < PAGE) break;
      last = rows[rows.length - 1]!.k;
    }
  }
}

/** Lines of a text stream; unlike readline's iterator, it is safe to await other work between lines. */
async function* splitLines(stream: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  let buf = '';
  for await (const chunk of stream) {
    buf += chunk.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      yield buf.slice(0, nl);
      buf = buf.slice(nl + 1);
    }
  }
  if (buf) yield buf;
}

export const dbBackup: Operation = {
  name: 'db:backup',
  summary: 'write a logical backup of the database to the bucket (backups/<time>.ndjson.gz)',
  usage: 'db:backup',
  async run(ctx, args) {
    parseOpArgs('db:backup', args, {}, 0);
    const key = `backups/${new Date().toISOString().replace(/[:.]/g, '-')}.ndjson.gz`;
    const counts: Record<string, number> = {};
    const counted = async function* () {
      for await (const line of backupLines(ctx)) {
        const t = line.startsWith('{"t":"') ? line.slice(6, line.indexOf('"', 6)) : undefined;
        if (t) counts[t] = (counts[t] ?? 0) + 1;
        yield line;
      }
    };
    const put = await ctx.bucket.put(key, Readable.from(counted()).pipe(createGzip()), { contentType: 'application/gzip' });
    return { key, bytes: put.contentLength, rows: counts };
  },
};

export const dbRestore: Operation = {
  name: 'db:restore',
  summary: 'replace the tables with a backup from the bucket (dev/test, or --force)',
  usage: 'db:restore <backups/...ndjson.gz> --yes [--force]',
  async run(ctx, args) {
    const { values, positionals } = parseOpArgs('db:restore', args, { yes: { type: 'boolean' }, force: { type: 'boolean' } }, 1);
    const key = need('db:restore', positionals[0], '<backup key>');
    if (!values.yes) throw new OpError('bad_request', 'db:restore replaces every row of the backed-up tables: repeat with --yes');
    if (ctx.config.env !== 'dev' && ctx.config.env !== 'test' && !values.force) {
      throw new OpError('forbidden', `db:restore in ${ctx.config.env} needs --force as well`);
    }
    const obj = await ctx.bucket.get(key);
    const lines = splitLines(obj.body.pipe(createGunzip()));
    const counts: Record<string, number> = {};
    await ctx.db.db.transaction().execute(async (trx) => {
      type Header = { bigapp_backup?: number; tables?: string[]; migrations?: string[] };
      let header: Header | undefined = undefined as Header | undefined;
      let batch: { t: string; rows: unknown[] } | undefined;
      const flush = async () => {
        if (!batch || batch.rows.length === 0) return;
        await sql`insert into ${sql.table(batch.t)} select * from jsonb_populate_recordset(null::${sql.table(batch.t)}, ${JSON.stringify(batch.rows)}::jsonb)`.execute(trx);
        counts[batch.t] = (counts[batch.t] ?? 0) + batch.rows.length;
        batch.rows = [];
      };
      for await (const line of lines) {
        if (!line) continue;
        const rec = JSON.parse(line) as { t?: string; r?: unknown; bigapp_backup?: number };
        if (!header) {
          if (rec.bigapp_backup !== 1) throw new OpError('bad_request', `${key} is not a bigapp backup`);
          header = rec as unknown as Header;
          const applied = (await migrationStatus(trx, migrations)).applied.map((m) => m.name);
          const missing = (header.migrations ?? []).filter((m: string) => !applied.includes(m));
          if (missing.length) throw new OpError('conflict', `the backup needs migrations this database lacks: ${missing.join(', ')}; run db:migrate first`);
          const known = BACKUP_TABLES.map((t) => t.table);
          const tables = (header.tables ?? []).filter((t: string) => known.includes(t));
          // Children first would be refused by foreign keys; one TRUNCATE of all is atomic.
          if (tables.length) await sql`truncate ${sql.join(tables.map((t: string) => sql.table(t)))} cascade`.execute(trx);
          continue;
        }
        if (!rec.t || !BACKUP_TABLES.some((t) => t.table === rec.t)) throw new OpError('bad_request', `unknown table in backup: ${String(rec.t)}`);
        if (batch?.t !== rec.t) {
          await flush();
          batch = { t: rec.t, rows: [] };
        }
        batch.rows.push(rec.r);
        if (batch.rows.length >= 500) await flush();
      }
      await flush();
      if (!header) throw new OpError('bad_request', `${key} is empty`);
      // Serial columns continue after the restored ids.
      await sql`select setval(pg_get_serial_sequence('audit_log', 'id'), coalesce((select max(id) from audit_log), 0) + 1, false)`.execute(trx);
    });
    return { key, rows: counts };
  },
};
