import type { Command } from 'commander';
import { services } from '@bigapp/services';
import type { QueueStats } from '@bigapp/kit';
import { connectForCli } from '../connect.js';
import { fail } from '../fail.js';

export function formatTable(rows: QueueStats[]): string {
  const header = ['service', 'queued', 'in-flight', 'delayed', 'dead', 'done', 'consumers'];
  const body = rows.map((r) => [r.service, r.queued, r.inflight, r.delayed, r.dead, r.done, `${r.consumers.filter((c) => c.alive).length}/${r.consumers.length}`].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...body.map(line)].join('\n');
}

export function register(program: Command): void {
  program
    .command('queues')
    .description('per service: queued, in-flight, delayed, dead, done, consumers alive/registered')
    .argument('[services...]', 'services to show (all when none named)')
    .option('--json', 'print JSON')
    .action(async (names: string[], opts: { json?: boolean }) => {
      try {
        const { bus, cache } = connectForCli();
        const list = names.length ? names : services.map((s) => s.name);
        const rows = await Promise.all(list.map((s) => bus.stats(s)));
        process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : `${formatTable(rows)}\n`);
        await bus.close();
        await cache.close();
      } catch (err) {
        fail(err);
      }
    });
}
