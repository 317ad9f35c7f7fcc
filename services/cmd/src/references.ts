import type { OpContext } from './context.js';

/**
 * Where bucket objects are referenced from. Each service that stores files
 * adds a provider here (e.g. media rows and their thumbnails); storage:orphans
 * treats everything no provider claims as an orphan. Prefixes listed in
 * MANAGED_PREFIXES have their own lifecycle (backups, expiring exports) and
 * are never orphans.
 */
export const MANAGED_PREFIXES = ['backups/', 'exports/'];

export type ReferenceProvider = (ctx: OpContext) => AsyncIterable<string> | Promise<Iterable<string>>;

export const referenceProviders: ReferenceProvider[] = [];

export async function referencedKeys(ctx: OpContext): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const p of referenceProviders) for await (const k of await p(ctx)) keys.add(k);
  return keys;
}
