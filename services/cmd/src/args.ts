import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
import { OpError } from './context.js';

/** Parses an operation's arguments; a bad one is an OpError naming it, not a stack trace. */
export function parseOpArgs<O extends Options>(op: string, args: string[], options: O, positionals: number): { values: { [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : O[K] extends { multiple: true } ? string[] : string }; positionals: string[] } {
  try {
    const r = parseArgs({ args, options, allowPositionals: true, strict: true });
    if (r.positionals.length > positionals) throw new Error(`unexpected argument ${r.positionals[positionals]}`);
    return r as never;
  } catch (err) {
    throw new OpError('bad_request', `${op}: ${(err as Error).message}`);
  }
}

export function need(op: string, value: string | undefined, what: string): string {
  if (!value) throw new OpError('bad_request', `${op}: ${what} is required`);
  return value;
}
