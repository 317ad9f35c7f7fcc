import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { AppError, createLogger, loadConfig, openBus, type Config } from '@bigapp/kit';
import { fail } from '../fail.js';

function actorName(): string {
  try {
    return `${os.userInfo().username}@${os.hostname()}`;
  } catch {
    return `uid${process.getuid?.() ?? '?'}@${os.hostname()}`;
  }
}

/**
 * The embedded database of a running `npm start` belongs to that process;
 * a local `bigapp cmd` then connects to it instead of starting another.
 */
function attachedEmbeddedUrl(config: Config): string | undefined {
  const pgDir = path.join(config.dataDir, 'pg');
  try {
    const owner = Number(readFileSync(path.join(pgDir, 'bigapp-owner.pid'), 'utf8'));
    if (!owner || owner === process.pid) return undefined;
    process.kill(owner, 0);
    const meta = JSON.parse(readFileSync(path.join(pgDir, 'bigapp-embedded.json'), 'utf8')) as { user: string; password: string; database: string; port: number };
    return `postgres://${meta.user}:${encodeURIComponent(meta.password)}@127.0.0.1:${meta.port}/${meta.database}`;
  } catch {
    return undefined;
  }
}

async function runLocal(config: Config, op: string, args: string[], actor: string) {
  const log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', pretty: config.log.pretty });
  const [{ openDatabase }, { openBucket }, { runOperation }, { services }] = await Promise.all([
    import('@bigapp/kit/db'),
    import('@bigapp/kit/storage'),
    import('@bigapp/services/cmd/src/run-op'),
    import('@bigapp/services'),
  ]);
  const dbConfig = config.db.url ? config.db : { ...config.db, url: attachedEmbeddedUrl(config) };
  const db = await openDatabase(dbConfig, log, { dataDir: config.dataDir, applicationName: 'bigapp-cmd' });
  const bucket = await openBucket(config.storage, { dataDir: config.dataDir });
  const { bus, cache } = openBus({ redisUrl: config.redisUrl, log, settings: config.bus, name: 'bigapp-cmd' });
  try {
    return await runOperation({ config, log, db, bucket, bus, services, actor }, op, args);
  } finally {
    await bus.close();
    await cache.close();
    await bucket.close();
    await db.close();
  }
}

export function register(program: Command): void {
  program
    .command('cmd')
    .description('run an operations command (the cmd-pod): locally, inside a pod, or remotely through cmd.queue')
    .argument('[op]', 'operation, e.g. db:migrate (see --list)')
    .argument('[args...]', "the operation's arguments")
    .option('--remote', 'send it to the running cmd service through cmd.queue and wait for the result (needs REDIS_URL)')
    .option('--wait <ms>', 'with --remote: how long to wait for the result', '600000')
    .option('--actor <name>', 'who is running it, for the audit log', actorName())
    .option('--list', 'list the operations')
    .allowUnknownOption(true)
    .helpOption('-h, --help', 'show this help (an operation\'s usage: bigapp cmd --list)')
    .action(async (op: string | undefined, args: string[], o: { remote?: boolean; wait: string; actor: string; list?: boolean }) => {
      try {
        if (o.list || !op) {
          const { helpText } = await import('@bigapp/services/cmd/src/operations');
          process.stdout.write(`operations:\n${helpText()}\n`);
          return;
        }
        const config = loadConfig();
        let result: { ok: boolean; output: unknown; error?: { code: string; message: string } };
        if (o.remote) {
          if (!config.redisUrl) throw new AppError('config_invalid', '--remote sends the operation through cmd.queue: set REDIS_URL to the Redis the cmd service uses');
          const { bus, cache } = openBus({ redisUrl: config.redisUrl, log: createLogger({ level: 'warn', pretty: false }), settings: config.bus, name: 'bigapp-cmd-remote' });
          try {
            const status = await bus.request('cmd', 'run', { op, args, actor: o.actor }, { waitMs: Number(o.wait) || 600_000 });
            if (status.status !== 'succeeded') throw new AppError(status.error?.code ?? 'job_failed', `the cmd job ended ${status.status}: ${status.error?.message ?? ''}`);
            result = status.result as typeof result;
          } finally {
            await bus.close();
            await cache.close();
          }
        } else {
          result = await runLocal(config, op, args, o.actor);
        }
        if (result.ok) {
          process.stdout.write(`${JSON.stringify(result.output, null, 2)}\n`);
        } else {
          process.stderr.write(`bigapp cmd ${op}: [${result.error?.code}] ${result.error?.message}\n`);
          process.exitCode = 1;
        }
      } catch (err) {
        fail(err);
      }
    });
}
