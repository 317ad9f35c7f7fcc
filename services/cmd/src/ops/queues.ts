import { OpError, type Operation, type OpContext } from '../context.js';
import { need, parseOpArgs } from '../args.js';

function knownService(ctx: OpContext, op: string, name: string | undefined): string {
  const s = need(op, name, '<service>');
  if (!ctx.services.some((d) => d.name === s)) throw new OpError('not_found', `${op}: unknown service ${s}; known: ${ctx.services.map((d) => d.name).join(', ')}`);
  return s;
}

export const queueStats: Operation = {
  name: 'queue:stats',
  summary: 'per service: queued, in-flight, delayed, dead, done, consumers',
  usage: 'queue:stats [service...]',
  async run(ctx, args) {
    const { positionals } = parseOpArgs('queue:stats', args, {}, 64);
    const names = positionals.length ? positionals.map((p) => knownService(ctx, 'queue:stats', p)) : ctx.services.map((s) => s.name);
    return Promise.all(names.map((n) => ctx.bus.stats(n)));
  },
};

export const queueRetryDead: Operation = {
  name: 'queue:retry-dead',
  summary: "re-queue a service's dead jobs as fresh first attempts",
  usage: 'queue:retry-dead <service> [--id <jobId>]...',
  async run(ctx, args) {
    const { values, positionals } = parseOpArgs('queue:retry-dead', args, { id: { type: 'string', multiple: true } }, 1);
    const service = knownService(ctx, 'queue:retry-dead', positionals[0]);
    const r = await ctx.bus.deadRetry(service, values.id ? { ids: values.id } : {});
    return { service, retried: r.retried.length, skipped: r.skipped, ids: r.retried };
  },
};

export const queuePurge: Operation = {
  name: 'queue:purge',
  summary: "delete a service's dead letters",
  usage: 'queue:purge <service> --yes',
  async run(ctx, args) {
    const { values, positionals } = parseOpArgs('queue:purge', args, { yes: { type: 'boolean' } }, 1);
    const service = knownService(ctx, 'queue:purge', positionals[0]);
    if (!values.yes) throw new OpError('bad_request', `queue:purge deletes the dead letters of ${service}: repeat with --yes`);
    return { service, purged: await ctx.bus.deadPurge(service) };
  },
};
