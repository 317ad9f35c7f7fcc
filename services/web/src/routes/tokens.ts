import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { TokenCreate, uuid, type ApiToken, type ApiTokenCreated } from '@bigapp/contracts';
import { caller } from '../auth/hook.js';
import type { WebContext } from '../context.js';
import { notFound } from '../errors.js';
import { parse } from '../validate.js';
import { iso } from '../views.js';

const tokenView = (t: { id: string; name: string; created_at: Date; last_used_at: Date | null }): ApiToken => ({
  id: t.id,
  name: t.name,
  createdAt: iso(t.created_at),
  lastUsedAt: t.last_used_at ? iso(t.last_used_at) : null,
});

/** Personal API tokens: the secret is shown once; only its SHA-256 is stored. */
export async function tokenRoutes(app: FastifyInstance, ctx: WebContext): Promise<void> {
  app.post('/api/tokens', async (req, reply) => {
    const { name } = parse(TokenCreate, req.body, 'body');
    const t = await ctx.auth.createToken(caller(req).user.id, name);
    return reply.code(201).send({ ...tokenView(t), token: t.token } satisfies ApiTokenCreated);
  });

  app.get('/api/tokens', async (req) => (await ctx.auth.listTokens(caller(req).user.id)).map(tokenView));

  app.delete('/api/tokens/:tokenId', async (req, reply) => {
    const { tokenId } = parse(z.strictObject({ tokenId: uuid }), req.params, 'params');
    if (!(await ctx.auth.revokeToken(caller(req).user.id, tokenId))) throw notFound('The token');
    return reply.code(204).send();
  });
}
