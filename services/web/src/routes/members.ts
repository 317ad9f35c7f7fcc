import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { MemberAdd, MemberUpdate, uuid, type Member } from '@bigapp/contracts';
import type { Kysely, Transaction } from 'kysely';
import type { Database, WorkspaceRole } from '@bigapp/kit/db';
import { requireRole } from '../access.js';
import { caller } from '../auth/hook.js';
import type { WebContext } from '../context.js';
import { conflict, notFound } from '../errors.js';
import { parse } from '../validate.js';
import { WorkspaceParams } from './workspaces.js';

const MemberParams = z.strictObject({ id: uuid, userId: uuid });

/** Refuses a change that would leave the workspace without an owner. */
async function keepAnOwner(trx: Transaction<Database> | Kysely<Database>, workspaceId: string, userId: string, newRole: WorkspaceRole | null): Promise<void> {
  if (newRole === 'owner') return;
  const owners = await trx.selectFrom('memberships').select('user_id').where('workspace_id', '=', workspaceId).where('role', '=', 'owner').forUpdate().execute();
  if (owners.length === 1 && owners[0]!.user_id === userId) {
    throw conflict('A workspace needs at least one owner: make another member owner first (or delete the workspace).');
  }
}

export async function memberRoutes(app: FastifyInstance, ctx: WebContext): Promise<void> {
  const { db } = ctx;

  app.get('/api/workspaces/:id/members', async (req) => {
    const { id } = parse(WorkspaceParams, req.params, 'params');
    await requireRole(ctx, id, caller(req).user.id, 'viewer');
    const rows = await db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.user_id', 'u.username', 'm.role'])
      .where('m.workspace_id', '=', id)
      .orderBy('u.username')
      .execute();
    return rows.map((r): Member => ({ userId: r.user_id, username: r.username, role: r.role }));
  });

  app.post('/api/workspaces/:id/members', async (req, reply) => {
    const { id } = parse(WorkspaceParams, req.params, 'params');
    await requireRole(ctx, id, caller(req).user.id, 'owner');
    const body = parse(MemberAdd, req.body, 'body');
    const user = await db.selectFrom('users').select(['id', 'username']).where('username', '=', body.username).executeTakeFirst();
    if (!user) throw notFound(`The user "${body.username}"`);
    const added = await db
      .insertInto('memberships')
      .values({ workspace_id: id, user_id: user.id, role: body.role })
      .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doNothing())
      .returning('role')
      .executeTakeFirst();
    if (!added) throw conflict(`"${user.username}" is already a member; change their role instead.`);
    await ctx.caches.invalidate('roles', id);
    return reply.code(201).send({ userId: user.id, username: user.username, role: body.role } satisfies Member);
  });

  app.patch('/api/workspaces/:id/members/:userId', async (req) => {
    const { id, userId } = parse(MemberParams, req.params, 'params');
    await requireRole(ctx, id, caller(req).user.id, 'owner');
    const { role } = parse(MemberUpdate, req.body, 'body');
    const row = await db.transaction().execute(async (trx) => {
      await keepAnOwner(trx, id, userId, role);
      return trx.updateTable('memberships').set({ role }).where('workspace_id', '=', id).where('user_id', '=', userId).returning('user_id').executeTakeFirst();
    });
    if (!row) throw notFound('The member');
    await ctx.caches.invalidate('roles', id);
    const u = await db.selectFrom('users').select('username').where('id', '=', userId).executeTakeFirstOrThrow();
    return { userId, username: u.username, role } satisfies Member;
  });

  app.delete('/api/workspaces/:id/members/:userId', async (req, reply) => {
    const { id, userId } = parse(MemberParams, req.params, 'params');
    await requireRole(ctx, id, caller(req).user.id, 'owner');
    const r = await db.transaction().execute(async (trx) => {
      await keepAnOwner(trx, id, userId, null);
      return trx.deleteFrom('memberships').where('workspace_id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    });
    if (Number(r.numDeletedRows) === 0) throw notFound('The member');
    await ctx.caches.invalidate('roles', id);
    ctx.hub.disconnect(id, userId);
    return reply.code(204).send();
  });
}
