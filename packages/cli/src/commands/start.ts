import type { Command } from 'commander';
import { loadConfig, startHost } from '@bigapp/kit';
import { services } from '@bigapp/services';
import { fail } from '../fail.js';
import { version } from '../version.js';

export function selectServices(names: string[]) {
  if (names.length === 0) return [...services];
  const unknown = names.filter((n) => !services.some((s) => s.name === n));
  if (unknown.length) throw Object.assign(new Error(`unknown service ${unknown.join(', ')}; known: ${services.map((s) => s.name).join(', ')}`), { code: 'bad_request' });
  return services.filter((s) => names.includes(s.name));
}

export function register(program: Command): void {
  program
    .command('start')
    .description('run services in this process (all when none named); over Redis when REDIS_URL is set, else in-process')
    .argument('[services...]', 'services to run')
    .action(async (names: string[]) => {
      try {
        const config = loadConfig();
        const host = await startHost({ services: selectServices(names), config, version: version() });
        let signals = 0;
        const onSignal = (sig: NodeJS.Signals) => {
          if (++signals > 1) {
            host.log.warn({ signal: sig }, 'second signal: exiting now');
            process.exit(1);
          }
          host.stop().then(
            () => process.exit(0),
            (err) => {
              host.log.error({ err }, 'stop failed');
              process.exit(1);
            },
          );
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      } catch (err) {
        fail(err);
      }
    });
}
