import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type JobView } from '@bigapp/contracts';
import { requireRole } from '../access.js';
import { caller } from '../auth/hook.js';
import type { WebContext } from '../context.js';
import { notFound, unsupportedType } from '../errors.js';
import { exportLink } from '../live/status-listener.js';
import { isZip } from '../media/sniff.js';
import { peek, streamToBucket } from '../media/stream.js';
import { parse } from '../validate.js';
import { jobView } from '../views.js';
import { uploadedFile } from './media.js';
import { WorkspaceParams } from './workspaces.js';

const JOB_KINDS = ['image', 'export', 'import'];
/** POST /exports takes no options yet: no body, or an empty JSON object. */
const ExportBody = z.strictObject({}).optional();

export async function jobRoutes(app: FastifyInstance, ctx: WebContext): Promise<void> {
  const { db, bucket, ledger, links, config } = ctx;

  app.post('/api/workspaces/:id/exports', async (req, reply) => {
    const { id: workspaceId } = parse(WorkspaceParams, req.params, 'params');
    const user = caller(req).user;
    await requireRole(ctx, workspaceId, user.id, 'editor');
    parse(ExportBody, req.body ?? undefined, 'body');
    const ref = await ledger.enqueue('export', 'workspace', { workspaceId, requestedBy: user.id }, { workspaceId });
    req.log.info({ workspaceId, jobId: ref.id }, 'export requested');
    return reply.code(202).send({ jobId: ref.id });
  });

  app.post('/api/workspaces/:id/imports', async (req, reply) => {
    const { id: workspaceId } = parse(WorkspaceParams, req.params, 'params');
    const user = caller(req).user;
    await requireRole(ctx, workspaceId, user.id, 'editor');
    const file = await uploadedFile(req, 'file', config.importMaxBytes);
    const { head, whole } = await peek(file.file, 4);
    if (!isZip(head)) {
      whole.resume();
      throw unsupportedType('An import must be a ZIP archive (as made by export).');
    }
    const key = `imports/${workspaceId}/${randomUUID()}.zip`;
    await streamToBucket(bucket, key, whole, { maxBytes: config.importMaxBytes, contentType: 'application/zip', truncated: () => file.file.truncated });
    try {
      const ref = await ledger.transaction(async (trx, jobs) => {
        const ws = await trx.selectFrom('workspaces').select('id').where('id', '=', workspaceId).forShare().executeTakeFirst();
        if (!ws) throw notFound('The workspace');
        return jobs.enqueue('import', 'archive', { workspaceId, key, requestedBy: user.id }, { workspaceId });
      });
      req.log.info({ workspaceId, jobId: ref.id, key }, 'import requested');
      return reply.code(202).send({ jobId: ref.id });
    } catch (err) {
      await bucket.delete(key).catch(() => undefined);
      throw err;
    }
  });

  app.get('/api/jobs/:jobId', async (req) => {
    const { jobId } = parse(z.strictObject({ jobId: z.string().min(1).max(128) }), req.params, 'params');
    const job = await db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
    // Jobs outside a workspace (ops, demo) are not visible here at all.
    if (!job || !job.workspace_id || !JOB_KINDS.includes(job.service)) throw notFound('The job');
    await requireRole(ctx, job.workspace_id, caller(req).user.id, 'viewer').catch(() => {
      throw notFound('The job');
    });
    const view: JobView = jobView(job, job.service === 'export' ? await exportLink(job, links, config.downloadLinkSeconds) : undefined);
    return view;
  });
}
