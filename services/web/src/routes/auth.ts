import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { z } from 'zod';
import { Credentials, username, type Session } from '@bigapp/contracts';
import { hashPassword, verifyPassword } from '@bigapp/kit/auth';
import { caller, SESSION_COOKIE } from '../auth/hook.js';
import type { WebContext } from '../context.js';
import { conflict, forbidden, HttpError, unauthorized } from '../errors.js';
import { parse } from '../validate.js';
import { userView } from '../views.js';

/** Login checks the form of the username but not the password policy (which may have changed since). */
const LoginBody = z.strictObject({ username, password: z.string().min(1, 'required').max(200, 'at most 200 characters') });

/** Compared against when the username is unknown, so a miss costs as long as a wrong password. */
let dummyHash: Promise<string> | undefined;

function limited(retryAfterS: number, reply: FastifyReply): HttpError {
  reply.header('retry-after', String(retryAfterS));
  return new HttpError(429, 'rate_limited', `Too many attempts; try again in ${retryAfterS} s.`);
}

export async function authRoutes(app: FastifyInstance, ctx: WebContext): Promise<void> {
  const { db, auth, config } = ctx;

  async function startSession(req: FastifyRequest, reply: FastifyReply, user: Parameters<typeof userView>[0]): Promise<Session> {
    // Rotation: whatever session the browser had is ended; a fixed session id cannot be planted.
    const old = req.cookies[SESSION_COOKIE];
    if (old && old.length <= 200) await auth.deleteSession(old);
    const s = await auth.createSession(user.id, config.sessionTtlMs);
    reply.setCookie(SESSION_COOKIE, s.secret, { httpOnly: true, sameSite: 'lax', secure: config.cookieSecure, path: '/', expires: s.expiresAt });
    return { user: userView(user), csrfToken: s.csrfToken };
  }

  app.post('/api/auth/register', { config: { public: true } }, async (req, reply) => {
    const wait = ctx.limits.register.hit(req.ip);
    if (wait) throw limited(wait, reply);
    if (!config.registrationOpen) throw forbidden('Registration is closed on this server (BIGAPP_REGISTRATION_OPEN=false).');
    const body = parse(Credentials, req.body, 'body');
    const hash = await hashPassword(body.password);
    const user = await db.transaction().execute(async (trx) => {
      // One registration at a time decides who is first: the first user becomes admin.
      await sql`select pg_advisory_xact_lock(hashtext('bigapp.web.register'))`.execute(trx);
      const taken = await trx.selectFrom('users').select('id').where('username', '=', body.username).executeTakeFirst();
      if (taken) throw conflict(`The username "${body.username}" is taken.`);
      const any = await trx.selectFrom('users').select('id').limit(1).executeTakeFirst();
      return trx
        .insertInto('users')
        .values({ username: body.username, password_hash: hash, role: any ? 'member' : 'admin' })
        .returning(['id', 'username', 'role', 'created_at'])
        .executeTakeFirstOrThrow();
    });
    req.log.info({ userId: user.id, role: user.role }, 'user registered');
    return reply.code(201).send(await startSession(req, reply, user));
  });

  app.post('/api/auth/login', { config: { public: true } }, async (req, reply) => {
    const body = parse(LoginBody, req.body, 'body');
    const wait = Math.max(ctx.limits.login.hit(`${req.ip}|${body.username}`), ctx.limits.loginPerIp.hit(req.ip));
    if (wait) {
      req.log.warn({ username: body.username }, 'login rate limited');
      throw limited(wait, reply);
    }
    const user = await db.selectFrom('users').select(['id', 'username', 'role', 'created_at', 'password_hash']).where('username', '=', body.username).executeTakeFirst();
    const ok = await verifyPassword(body.password, user?.password_hash ?? (await (dummyHash ??= hashPassword('not-a-real-password'))));
    if (!user || !ok) {
      req.log.info({ username: body.username }, 'login failed');
      throw unauthorized('Wrong username or password.');
    }
    return startSession(req, reply, user);
  });

  app.post('/api/auth/logout', async (req, reply) => {
    const p = caller(req);
    const secret = req.cookies[SESSION_COOKIE];
    if (p.kind === 'session' && secret) await auth.deleteSession(secret);
    reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: config.cookieSecure });
    return reply.code(204).send();
  });

  app.get('/api/auth/me', async (req) => {
    const p = caller(req);
    return { user: userView(p.user), csrfToken: p.kind === 'session' ? p.csrfToken : '' } satisfies Session;
  });
}
