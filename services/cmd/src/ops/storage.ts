import type { Operation } from '../context.js';
import { parseOpArgs } from '../args.js';
import { MANAGED_PREFIXES, referencedKeys } from '../references.js';

export const storageOrphans: Operation = {
  name: 'storage:orphans',
  summary: 'list bucket objects no row references; delete them with --yes',
  usage: 'storage:orphans [--prefix <p>] [--yes]',
  async run(ctx, args) {
    const { values } = parseOpArgs('storage:orphans', args, { prefix: { type: 'string', default: '' }, yes: { type: 'boolean' } }, 0);
    const referenced = await referencedKeys(ctx);
    const orphans: { key: string; size: number }[] = [];
    for await (const o of ctx.bucket.list(values.prefix ?? '')) {
      if (MANAGED_PREFIXES.some((p) => o.key.startsWith(p))) continue;
      if (!referenced.has(o.key)) orphans.push({ key: o.key, size: o.size });
    }
    if (values.yes) for (const o of orphans) await ctx.bucket.delete(o.key);
    return { orphans: orphans.length, bytes: orphans.reduce((a, o) => a + o.size, 0), deleted: values.yes ? orphans.length : 0, keys: orphans.slice(0, 1000).map((o) => o.key) };
  },
};
