import type { FastifyReply, FastifyRequest } from 'fastify';
import { forbidden, HttpError, unauthorized } from '../errors.js';
import { safeEqual } from './secrets.js';
import type { AuthStore, Principal } from './sessions.js';

export const SESSION_COOKIE = 'bigapp_session';
export const CSRF_HEADER = 'x-csrf-token';
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
  interface FastifyContextConfig {
    /** No session or token needed (login, register, docs). */
    public?: boolean;
  }
}

/** Who is calling: a Bearer token when the header is sent (never falling back to the cookie), else the session cookie. */
export async function resolvePrincipal(req: FastifyRequest, store: AuthStore): Promise<Principal | undefined> {
  const h = req.headers.authorization;
  if (h !== undefined) {
    const m = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(h.trim());
    if (!m) throw unauthorized('The Authorization header must be "Bearer <token>".');
    const p = await store.findToken(m[1]!);
    if (!p) throw unauthorized('The API token is unknown or revoked.');
    return p;
  }
  const secret = req.cookies[SESSION_COOKIE];
  if (!secret || secret.length > 200) return undefined;
  return store.findSession(secret);
}

/**
 * onRequest: every /api route that is not `config.public` needs a caller.
 * Cookie-authenticated writes also need `x-csrf-token` equal to the
 * session's token; Bearer calls do not (a browser never adds that header by
 * itself, and a cross-site page cannot read the token).
 */
export function authHook(store: AuthStore) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    req.principal = undefined;
    if (req.is404 || req.routeOptions.config?.public || !req.url.startsWith('/api/')) return;
    const p = await resolvePrincipal(req, store);
    if (!p) throw unauthorized();
    if (p.kind === 'session' && WRITES.has(req.method)) {
      const sent = req.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !safeEqual(sent, p.csrfToken)) {
        throw new HttpError(403, 'csrf_failed', `Cookie-authenticated writes need the ${CSRF_HEADER} header with the csrfToken from login or GET /api/auth/me.`);
      }
    }
    req.principal = p;
  };
}

/** The caller of an authenticated route (the hook guarantees one). */
export function caller(req: FastifyRequest): Principal {
  if (!req.principal) throw unauthorized();
  return req.principal;
}
