import type { Command } from 'commander';
import { AppError } from '@bigapp/kit';
import { connectForCli } from '../connect.js';
import { fail } from '../fail.js';

export function register(program: Command): void {
  program
    .command('dead')
    .description('inspect and handle a service\'s dead-letter list')
    .argument('<action>', 'list, retry or purge')
    .argument('<service>', 'service')
    .option('--limit <n>', 'entries to list', '50')
    .option('--id <jobId...>', 'retry only these job ids')
    .option('--json', 'print JSON')
    .action(async (action: string, service: string, o: { limit: string; id?: string[]; json?: boolean }) => {
      try {
        if (!['list', 'retry', 'purge'].includes(action)) throw new AppError('bad_request', `unknown action ${action}: use list, retry or purge`);
        const { bus, cache } = connectForCli();
        if (action === 'list') {
          const entries = await bus.deadList(service, Number(o.limit) || 50);
          if (o.json) process.stdout.write(`${JSON.stringify(entries.map(({ stored: _s, ...e }) => e), null, 2)}\n`);
          else {
            for (const e of entries) {
              process.stdout.write(`${new Date(e.ts).toISOString()}  ${e.reason.padEnd(18)} ${(e.id ?? '-').padEnd(36)} ${e.type ?? '-'}  ${e.error.slice(0, 120)}\n`);
            }
            process.stdout.write(`${entries.length} shown\n`);
          }
        } else if (action === 'retry') {
          const r = await bus.deadRetry(service, o.id ? { ids: o.id } : {});
          process.stdout.write(`${JSON.stringify({ retried: r.retried.length, skipped: r.skipped, ids: r.retried })}\n`);
        } else {
          const n = await bus.deadPurge(service);
          process.stdout.write(`${JSON.stringify({ purged: n })}\n`);
        }
        await bus.close();
        await cache.close();
      } catch (err) {
        fail(err);
      }
    });
}
