/**
 * The slice of a pino logger this layer uses, so callers can pass the host's
 * logger (or nothing) without this folder depending on how logging is built.
 */
export interface DbLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = () => {};
export const silentLog: DbLog = { debug: noop, info: noop, warn: noop, error: noop };
