import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { createLogger, loadConfig } from '@bigapp/kit';
import { fail } from '../fail.js';
import { selectServices } from './start.js';

export function parseScale(specs: string[], known: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const spec of specs) {
    const m = /^([a-z][a-z0-9-]*)=(\d{1,3})$/.exec(spec);
    if (!m) throw Object.assign(new Error(`--scale ${spec}: expected service=N, e.g. --scale image=3`), { code: 'bad_request' });
    if (!known.includes(m[1]!)) throw Object.assign(new Error(`--scale ${spec}: unknown service ${m[1]}; known: ${known.join(', ')}`), { code: 'bad_request' });
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/**
 * V8 flags for queue-worker processes: a 1 MiB young generation keeps an idle
 * worker's RSS near 72 MB instead of 80+ (measured with `bigapp start demo`)
 * at the cost of more frequent, small scavenges. Web processes keep V8's
 * defaults. The same flag is set for worker Deployments in the manifests.
 */
export const WORKER_NODE_FLAGS = ['--max-semi-space-size=1'];

interface Replica {
  service: string;
  index: number;
  child?: ChildProcess;
  restarts: number;
  flags: string[];
}

export function register(program: Command): void {
  program
    .command('up')
    .description('run each service in its own OS process, N replicas each, over REDIS_URL; restarts replicas that die')
    .argument('[services...]', 'services to run (all when none named)')
    .option('-s, --scale <service=N...>', 'replicas per service (default 1)', [])
    .option('--no-restart', 'do not restart replicas that exit')
    .action(async (names: string[], opts: { scale: string[]; restart: boolean }) => {
      try {
        const config = loadConfig();
        if (!config.redisUrl) {
          throw Object.assign(new Error('bigapp up runs services as separate processes, which meet only through Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379). For one process without Redis use bigapp start.'), { code: 'config_invalid' });
        }
        const selected = selectServices(names);
        const scale = parseScale(opts.scale, selected.map((s) => s.name));
        const log = createLogger({ level: config.log.level, pretty: config.log.pretty, base: { role: 'supervisor' } });
        const bin = fileURLToPath(new URL('../bin.js', import.meta.url));
        const replicas: Replica[] = [];
        for (const s of selected) for (let i = 0; i < (scale.get(s.name) ?? 1); i++) replicas.push({ service: s.name, index: i, restarts: 0, flags: s.kind === 'web' ? [] : WORKER_NODE_FLAGS });
        let stopping = false;
        const basePort = config.ops.port;

        const launch = (r: Replica, n: number) => {
          const child = spawn(process.execPath, [...r.flags, bin, 'start', r.service], {
            stdio: ['ignore', 'inherit', 'inherit'],
            env: {
              ...process.env,
              BIGAPP_INSTANCE: `${r.service}-${r.index}`,
              // Each replica gets its own ops port so probes and scrapes can tell them apart.
              BIGAPP_OPS_PORT: basePort === 0 ? '0' : String(basePort + n),
            },
          });
          r.child = child;
          log.info({ service: r.service, replica: r.index, pid: child.pid }, 'replica started');
          child.on('exit', (code, signal) => {
            log[stopping ? 'info' : 'warn']({ service: r.service, replica: r.index, pid: child.pid, code, signal }, 'replica exited');
            r.child = undefined;
            if (!stopping && opts.restart) {
              const wait = Math.min(200 * 2 ** r.restarts++, 10_000);
              setTimeout(() => { if (!stopping) launch(r, n); }, wait).unref();
            }
            if (stopping && replicas.every((x) => !x.child)) process.exit(0);
          });
        };
        replicas.forEach((r, n) => launch(r, n));
        log.info({ replicas: replicas.map((r) => `${r.service}#${r.index}`) }, 'up');

        const shutdown = (sig: NodeJS.Signals) => {
          if (stopping) return;
          stopping = true;
          log.info({ signal: sig }, 'stopping replicas');
          for (const r of replicas) r.child?.kill('SIGTERM');
          if (replicas.every((x) => !x.child)) process.exit(0);
          // Replicas drain within BIGAPP_GRACE_MS; past that (plus a margin) they are killed.
          setTimeout(() => {
            for (const r of replicas) r.child?.kill('SIGKILL');
            process.exit(1);
          }, config.graceMs + 5_000).unref();
        };
        process.on('SIGTERM', shutdown);
        process.on('SIGINT', shutdown);
      } catch (err) {
        fail(err);
      }
    });
}
