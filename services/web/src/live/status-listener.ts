import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { imageJobs, type StatusEnvelope } from '@bigapp/contracts';
import type { Database } from '@bigapp/kit/db';
import type { Links } from '../links.js';
import { jobView, MEDIA_COLUMNS, mediaView } from '../views.js';
import type { Fanout } from './fanout.js';

/** A person-readable reason from a status's error (the UI shows it on the item). */
export function failureReason(s: StatusEnvelope): string {
  const msg = typeof s.error?.message === 'string' && s.error.message.trim() ? s.error.message.trim() : undefined;
  const base = msg ?? (s.status === 'dead' ? 'Processing gave up after repeated failures.' : 'Processing failed.');
  return base.length > 500 ? `${base.slice(0, 499)}…` : base;
}

/**
 * Consumes image/export/import statuses after the ledger recorded them:
 * image results become media rows (ready or failed), and every change is
 * published for the SSE clients of every replica. Idempotent: a status seen
 * twice writes the same values and publishes the same event again.
 */
export function statusListener(db: Kysely<Database>, links: Links, fanout: Fanout, log: Logger, downloadSeconds = 3600) {
  return async (service: string, s: StatusEnvelope): Promise<void> => {
    if (s.status === 'retrying') return;
    if (service === 'image') {
      let set;
      if (s.status === 'succeeded') {
        const r = imageJobs.thumbnail.result.safeParse(s.result);
        if (!r.success) {
          set = { status: 'failed' as const, error: 'The image service returned an unexpected result.' };
          log.error({ jobId: s.id, issues: r.error.issues }, 'image result does not match its contract');
        } else {
          set = {
            status: 'ready' as const,
            width: r.data.width,
            height: r.data.height,
            format: r.data.format,
            thumb_small_key: r.data.thumbnails.small,
            thumb_large_key: r.data.thumbnails.large,
            error: null,
          };
        }
      } else {
        set = { status: 'failed' as const, error: failureReason(s) };
      }
      const row = await db
        .updateTable('media')
        .set({ ...set, updated_at: new Date() })
        .where('job_id', '=', s.id)
        // A later job's result never goes back to an earlier state.
        .returning([...MEDIA_COLUMNS])
        .executeTakeFirst();
      if (!row) return; // deleted meanwhile, or not an upload's job
      await fanout.publish({ type: 'media.updated', workspaceId: row.workspace_id, media: await mediaView(row, links) });
      return;
    }
    if (service === 'export' || service === 'import') {
      const job = await db.selectFrom('jobs').selectAll().where('id', '=', s.id).executeTakeFirst();
      if (!job?.workspace_id) return;
      // SSE clients are members of the workspace (checked when they connected).
      const downloadUrl = service === 'export' ? await exportLink(job, links, downloadSeconds) : undefined;
      await fanout.publish({ type: 'job.finished', workspaceId: job.workspace_id, job: jobView(job, downloadUrl) });
    }
  };
}

/** The presigned link of a finished export's archive, or null (not finished, or expired). */
export async function exportLink(job: { service: string; status: string; result: unknown }, links: Links, seconds: number): Promise<string | null> {
  if (job.service !== 'export' || job.status !== 'succeeded') return null;
  const r = job.result as { key?: unknown; expiresAt?: unknown } | null;
  if (!r || typeof r.key !== 'string') return null;
  const expiresAt = typeof r.expiresAt === 'string' ? Date.parse(r.expiresAt) : NaN;
  if (Number.isFinite(expiresAt) && expiresAt <= Date.now()) return null;
  const left = Number.isFinite(expiresAt) ? Math.floor((expiresAt - Date.now()) / 1000) : seconds;
  return links.download(r.key, Math.max(60, Math.min(seconds, left)));
}
