import { AppError, createLogger, loadConfig, openBus } from '@bigapp/kit';

/** A short-lived bus connection for operator commands; they need the shared Redis. */
export function connectForCli() {
  const config = loadConfig();
  if (!config.redisUrl) {
    throw new AppError('config_invalid', 'this command reads the shared Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379). The embedded bus of `npm start` lives inside that process only.');
  }
  const log = createLogger({ level: 'warn', pretty: false });
  return { config, ...openBus({ redisUrl: config.redisUrl, log, settings: config.bus, name: 'bigapp-cli' }) };
}
