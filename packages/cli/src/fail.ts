import { ConfigError } from '@bigapp/kit';

/** Prints an error the way a person wants to read it: the code and the message, no stack. */
export function fail(err: unknown): never {
  if (err instanceof ConfigError || (err as { code?: string })?.code === 'config_invalid') {
    process.stderr.write(`bigapp: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const e = err as { code?: string; message?: string };
  process.stderr.write(`bigapp: ${e.code ? `[${e.code}] ` : ''}${e.message ?? String(err)}\n`);
  if (process.env.BIGAPP_DEBUG) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
  process.exit(1);
}
