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
    .option('-w, --watch [ms]', 'redraw as a live table every ms (default 1000) until Ctrl-C')
    .action(async (names: string[], opts: { json?: boolean; watch?: string | boolean }) => {
      try {
        const { bus, cache } = connectForCli();
        const list = names.length ? names : services.map((s) => s.name);
        const read = () => Promise.all(list.map((s) => bus.stats(s)));
        if (opts.watch === undefined) {
          const rows = await read();
          process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : `${formatTable(rows)}\n`);
          await bus.close();
          await cache.close();
          return;
        }
        const every = typeof opts.watch === 'string' ? Math.max(100, Number(opts.watch) || 1000) : 1000;
        let prev: Map<string, number> | undefined;
        let prevAt = Date.now();
        let stop = false;
        process.once('SIGINT', () => (stop = true));
        while (!stop) {
          const rows = await read();
          const now = Date.now();
          // Jobs/s from the growth of each done list between two reads (trimming aside).
          const rates = rows.map((r) => (prev ? Math.max(0, (r.done - (prev.get(r.service) ?? r.done)) / ((now - prevAt) / 1000)) : 0));
          prev = new Map(rows.map((r) => [r.service, r.done]));
          prevAt = now;
          const table = formatTable(rows).split('\n');
          const withRate = table.map((line, i) => `${line}  ${i === 0 ? 'done/s' : rates[i - 1]!.toFixed(1).padStart(6)}`);
          // Clear screen, home, then the table: a live view in any ANSI terminal.
          process.stdout.write(`\x1b[2J\x1b[H${new Date(now).toISOString()}  (every ${every} ms, Ctrl-C to stop)\n\n${withRate.join('\n')}\n`);
          await new Promise((r) => setTimeout(r, every));
        }
        await bus.close();
        await cache.close();
      } catch (err) {
        fail(err);
      }
    });
}
