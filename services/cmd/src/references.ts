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

/** Media originals and their thumbnails. */
async function* mediaKeys(ctx: OpContext): AsyncGenerator<string> {
  const rows = await ctx.db.db.selectFrom('media').select(['original_key', 'thumb_small_key', 'thumb_large_key']).execute();
  for (const r of rows) {
    yield r.original_key;
    if (r.thumb_small_key) yield r.thumb_small_key;
    if (r.thumb_large_key) yield r.thumb_large_key;
  }
}

export const referenceProviders: ReferenceProvider[] = [mediaKeys];

export async function referencedKeys(ctx: OpContext): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const p of referenceProviders) for await (const k of await p(ctx)) keys.add(k);
  return keys;
}
