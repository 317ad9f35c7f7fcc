import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** JSON logs for machines; pretty lines when a person watches a terminal. */
export function createLogger(o: { level: string; pretty: boolean; base?: Record<string, unknown> }): Logger {
  return pino({
    level: o.level,
    base: o.base ?? {},
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(o.pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true } } }
      : {}),
  });
}
