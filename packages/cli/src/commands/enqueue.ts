import type { Command } from 'commander';
import { AppError } from '@bigapp/kit';
import { connectForCli } from '../connect.js';
import { fail } from '../fail.js';

export function register(program: Command): void {
  program
    .command('enqueue')
    .description('validate and queue one job; with --wait, print its final status')
    .argument('<service>', 'service whose queue takes the job')
    .argument('<type>', 'job type')
    .argument('<json>', 'job data as JSON')
    .option('--delay <ms>', 'run no earlier than this many ms from now')
    .option('--max-attempts <n>', 'attempts before dead-lettering')
    .option('--key <idempotencyKey>', 'skip if a job with this key was queued within the window')
    .option('--priority <lane>', 'normal or high', 'normal')
    .option('--wait [ms]', 'wait for the final status (default 30000 ms)')
    .action(async (service: string, type: string, json: string, o: { delay?: string; maxAttempts?: string; key?: string; priority: string; wait?: string | boolean }) => {
      try {
        let data: unknown;
        try {
          data = JSON.parse(json);
        } catch (err) {
          throw new AppError('bad_request', `<json> is not valid JSON: ${(err as Error).message}`);
        }
        if (o.priority !== 'normal' && o.priority !== 'high') throw new AppError('bad_request', '--priority must be normal or high');
        const num = (v: string | undefined, name: string) => {
          if (v === undefined) return undefined;
          const n = Number(v);
          if (!Number.isInteger(n) || n < 0) throw new AppError('bad_request', `${name} must be a whole number, got ${v}`);
          return n;
        };
        const { bus, cache } = connectForCli();
        const opts = {
          priority: o.priority as 'normal' | 'high',
          ...(o.delay !== undefined ? { delayMs: num(o.delay, '--delay')! } : {}),
          ...(o.maxAttempts !== undefined ? { maxAttempts: num(o.maxAttempts, '--max-attempts')! } : {}),
          ...(o.key !== undefined ? { idempotencyKey: o.key } : {}),
        };
        if (o.wait !== undefined) {
          const waitMs = typeof o.wait === 'string' ? num(o.wait, '--wait')! : 30_000;
          const status = await bus.request(service, type, data, { ...opts, waitMs });
          process.stdout.write(`${JSON.stringify(status)}\n`);
          process.exitCode = status.status === 'succeeded' ? 0 : 1;
        } else {
          const r = await bus.enqueue(service, type, data, opts);
          process.stdout.write(`${JSON.stringify(r)}\n`);
        }
        await bus.close();
        await cache.close();
      } catch (err) {
        fail(err);
      }
    });
}
