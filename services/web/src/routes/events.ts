import type { FastifyInstance } from 'fastify';
import { requireRole } from '../access.js';
import { openEventStream } from '../live/sse.js';
import { caller } from '../auth/hook.js';
import type { WebContext } from '../context.js';
import { WorkspaceParams } from './workspaces.js';
import { parse } from '../validate.js';

/**
 * Server-Sent Events of one workspace (WorkspaceEvent as `data`, its type as
 * `event`). Membership is checked when the stream opens; a member removed
 * later is disconnected by the replica that handled the removal (others at
 * their next reconnect). A `: heartbeat` comment every 15 s.
 */
export async function eventRoutes(app: FastifyInstance, ctx: WebContext): Promise<void> {
  app.get('/api/workspaces/:id/events', async (req, reply) => {
    const { id } = parse(WorkspaceParams, req.params, 'params');
    const userId = caller(req).user.id;
    await requireRole(ctx, id, userId, 'viewer');
    const res = openEventStream(req, reply);
    ctx.hub.add(id, userId, res);
  });
}
