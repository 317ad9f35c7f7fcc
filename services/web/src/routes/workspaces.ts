import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { uuid, WorkspaceCreate, WorkspaceRename } from '@bigapp/contracts';
import { requireRole } from '../access.js';
import { caller } from '../auth/hook.js';
import type { WebContext } from '../context.js';
import { notFound } from '../errors.js';
import { deleteWorkspaceObjects } from '../media/cleanup.js';
import { parse } from '../validate.js';
import { workspaceView } from '../views.js';

export const WorkspaceParams = z.strictObject({ id: uuid });

export async function workspaceRoutes(app: FastifyInstance, ctx: WebContext): Promise<void> {
  const { db } = ctx;

  app.get('/api/workspaces', async (req) => {
    const rows = await db
      .selectFrom('workspaces as w')
      .innerJoin('memberships as m', 'm.workspace_id', 'w.id')
      .select(['w.id', 'w.name', 'w.created_at', 'm.role'])
      .where('m.user_id', '=', caller(req).user.id)
      .orderBy('w.created_at', 'asc')
      .orderBy('w.id', 'asc')
      .execute();
    return rows.map(workspaceView);
  });

  app.post('/api/workspaces', async (req, reply) => {
    const { name } = parse(WorkspaceCreate, req.body, 'body');
    const userId = caller(req).user.id;
    const w = await db.transaction().execute(async (trx) => {
      const row = await trx.insertInto('workspaces').values({ name, created_by: userId }).returning(['id', 'name', 'created_at']).executeTakeFirstOrThrow();
      await trx.insertInto('memberships').values({ workspace_id: row.id, user_id: userId, role: 'owner' }).execute();
      return row;
    });
    return reply.code(201).send(workspaceView({ ...w, role: 'owner' }));
  });

  app.get('/api/workspaces/:id', async (req) => {
    const { id } = parse(WorkspaceParams, req.params, 'params');
    const role = await requireRole(ctx, id, caller(req).user.id, 'viewer');
    const w = await db.selectFrom('workspaces').select(['id', 'name', 'created_at']).where('id', '=', id).executeTakeFirst();
    if (!w) throw notFound('The workspace');
    return workspaceView({ ...w, role });
  });

  app.patch('/api/workspaces/:id', async (req) => {
    const { id } = parse(WorkspaceParams, req.params, 'params');
    const role = await requireRole(ctx, id, caller(req).user.id, 'owner');
    const { name } = parse(WorkspaceRename, req.body, 'body');
    const w = await db.updateTable('workspaces').set({ name }).where('id', '=', id).returning(['id', 'name', 'created_at']).executeTakeFirst();
    if (!w) throw notFound('The workspace');
    return workspaceView({ ...w, role });
  });

  app.delete('/api/workspaces/:id', async (req, reply) => {
    const { id } = parse(WorkspaceParams, req.params, 'params');
    await requireRole(ctx, id, caller(req).user.id, 'owner');
    // Rows first (media, memberships cascade), then the objects nothing refers to any more.
    const thumbs = await db.selectFrom('media').select(['thumb_small_key', 'thumb_large_key']).where('workspace_id', '=', id).execute();
    await db.deleteFrom('workspaces').where('id', '=', id).execute();
    await ctx.caches.invalidate('roles', id);
    await deleteWorkspaceObjects(ctx, id, thumbs.flatMap((t) => [t.thumb_small_key, t.thumb_large_key]));
    ctx.hub.disconnect(id);
    req.log.info({ workspaceId: id }, 'workspace deleted');
    return reply.code(204).send();
  });
}
