import { JobFailure, type JobContext, type ServiceContext } from '@bigapp/kit';
import { services } from '../../registry.js';
import type { OpContext } from './context.js';
import { runOperation, type OpResult } from './run-op.js';

let base: Omit<OpContext, 'actor'> | undefined;

/** The cmd service's start hook: keeps the host's database, bucket and bus for queued operations. */
export async function startCmd(ctx: ServiceContext): Promise<() => Promise<void>> {
  if (!ctx.db || !ctx.bucket) throw new Error('the cmd service needs a database and a bucket');
  base = { config: ctx.config, log: ctx.log, db: ctx.db, bucket: ctx.bucket, bus: ctx.bus, services };
  return async () => {
    base = undefined;
  };
}

/** `cmd.run` from cmd.queue (bigapp cmd --remote). */
export async function runQueued(data: { op: string; args: string[]; actor: string }, job: JobContext): Promise<OpResult> {
  if (!base) throw new JobFailure('unavailable', 'the cmd service is not started');
  job.log.info({ op: data.op, actor: data.actor }, 'remote cmd operation');
  return runOperation({ ...base, actor: `${data.actor} (remote)` }, data.op, data.args);
}
