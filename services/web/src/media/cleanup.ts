import type { WebContext } from '../context.js';

/** Prefixes of a workspace's own objects (originals, import uploads, export archives). */
export const workspacePrefixes = (workspaceId: string) => ['originals', 'thumbs', 'imports', 'exports'].map((p) => `${p}/${workspaceId}/`);

/**
 * Deletes objects no media row refers to any more. Thumbnails are
 * content-addressed and may be shared by identical uploads in other
 * workspaces, so each key is checked first. Runs after the rows are gone; a
 * failure is logged (the object is an orphan, not a leak of access).
 */
export async function deleteUnreferenced(ctx: Pick<WebContext, 'db' | 'bucket' | 'log'>, keys: (string | null | undefined)[]): Promise<void> {
  const unique = [...new Set(keys.filter((k): k is string => Boolean(k)))];
  if (unique.length === 0) return;
  const still = new Set<string>();
  for (const col of ['original_key', 'thumb_small_key', 'thumb_large_key'] as const) {
    const rows = await ctx.db.selectFrom('media').select(col).where(col, 'in', unique).execute();
    for (const r of rows) if (r[col]) still.add(r[col]);
  }
  await Promise.all(
    unique
      .filter((k) => !still.has(k))
      .map((k) => ctx.bucket.delete(k).catch((err: unknown) => ctx.log.warn({ key: k, err: (err as Error).message }, 'could not delete a bucket object'))),
  );
}

export async function deleteWorkspaceObjects(ctx: Pick<WebContext, 'db' | 'bucket' | 'log'>, workspaceId: string, thumbKeys: (string | null)[]): Promise<void> {
  for (const prefix of workspacePrefixes(workspaceId)) {
    const batch: string[] = [];
    for await (const o of ctx.bucket.list(prefix)) batch.push(o.key);
    await Promise.all(batch.map((k) => ctx.bucket.delete(k).catch((err: unknown) => ctx.log.warn({ key: k, err: (err as Error).message }, 'could not delete a bucket object'))));
  }
  await deleteUnreferenced(ctx, thumbKeys);
}
