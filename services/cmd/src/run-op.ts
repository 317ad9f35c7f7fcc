import { toJsonb } from '@bigapp/kit/db';
import { errorCode, errorMessage } from '@bigapp/kit';
import { OpError, type OpContext } from './context.js';
import { operations } from './operations.js';

export interface OpResult {
  ok: boolean;
  output: unknown;
  error?: { code: string; message: string };
}

/** Lock id for "one cmd operation at a time", whichever process runs it. */
const CMD_LOCK = 0x636d_6421; // "cmd!"

const SECRET_FLAGS = new Set(['--password']);

/** Arguments as they may be logged: secrets replaced. */
export function redactArgs(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    if (eq > 0 && SECRET_FLAGS.has(a.slice(0, eq))) out.push(`${a.slice(0, eq)}=***`);
    else if (SECRET_FLAGS.has(a) && i + 1 < args.length) {
      out.push(a, '***');
      i++;
    } else out.push(a);
  }
  return out;
}

/**
 * Runs one operation under the cmd lock (a PostgreSQL advisory lock: a second
 * run waits for the first, whether it came from the CLI, a pod or cmd.queue),
 * and records who ran what, when, and the outcome in audit_log.
 */
export async function runOperation(ctx: OpContext, name: string, args: string[]): Promise<OpResult> {
  const op = operations.get(name);
  const started = Date.now();
  const safeArgs = redactArgs(args);
  let result: OpResult;
  if (!op) {
    result = { ok: false, output: null, error: { code: 'not_found', message: `unknown operation ${name}; see bigapp cmd --help` } };
  } else {
    const conn = await ctx.db.pool.connect();
    try {
      await conn.query('select pg_advisory_lock($1)', [CMD_LOCK]);
      try {
        result = { ok: true, output: await op.run(ctx, args) };
      } finally {
        await conn.query('select pg_advisory_unlock($1)', [CMD_LOCK]).catch(() => undefined);
      }
    } catch (err) {
      result = { ok: false, output: null, error: { code: err instanceof OpError ? err.code : errorCode(err), message: errorMessage(err) } };
    } finally {
      conn.release();
    }
  }
  const ms = Date.now() - started;
  ctx.log[result.ok ? 'info' : 'warn']({ actor: ctx.actor, op: name, args: safeArgs, ok: result.ok, ms, error: result.error }, 'cmd operation');
  try {
    const output = JSON.stringify(result.output ?? null);
    await ctx.db.db
      .insertInto('audit_log')
      .values({
        actor: ctx.actor,
        op: name,
        args: JSON.stringify(safeArgs),
        ok: result.ok,
        // The audit keeps a bounded copy of the output; the caller got all of it.
        result: output.length > 8_000 ? toJsonb({ truncated: true, bytes: output.length }) : output,
        error: result.error ? `${result.error.code}: ${result.error.message}` : null,
      })
      .execute();
  } catch (err) {
    // db:reset drops audit_log mid-way; a missing table must not hide the op's own result.
    ctx.log.warn({ err: errorMessage(err), op: name }, 'could not write the audit log entry');
  }
  return result;
}
