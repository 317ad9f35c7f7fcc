import type { Kysely } from 'kysely';
import type { Database, UserRole } from '@bigapp/kit/db';
import { API_TOKEN_PREFIX, hashSecret, newSecret } from './secrets.js';
import type { ReadCaches } from '../cache/read-caches.js';

export interface AuthUser {
  id: string;
  username: string;
  role: UserRole;
  createdAt: Date;
}

export type Principal =
  | { kind: 'session'; user: AuthUser; sessionHash: string; csrfToken: string }
  | { kind: 'token'; user: AuthUser; tokenId: string };

/** Server-side sessions and API tokens: every read and write of their rows. */
export class AuthStore {
  constructor(private readonly db: Kysely<Database>, private readonly caches?: ReadCaches) {}

  /** A new session; returns the cookie secret (only its hash is stored) and its CSRF token. */
  async createSession(userId: string, ttlMs: number): Promise<{ secret: string; csrfToken: string; expiresAt: Date }> {
    const secret = newSecret();
    const csrfToken = newSecret();
    const expiresAt = new Date(Date.now() + ttlMs);
    await this.db.insertInto('sessions').values({ id_hash: hashSecret(secret), user_id: userId, csrf_token: csrfToken, expires_at: expiresAt }).execute();
    return { secret, csrfToken, expiresAt };
  }

  async deleteSession(secret: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', hashSecret(secret)).execute();
    await this.caches?.invalidate('session', hashSecret(secret));
  }

  async deleteExpiredSessions(): Promise<number> {
    const r = await this.db.deleteFrom('sessions').where('expires_at', '<', new Date()).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** The session's user, or undefined when the secret is unknown or expired. */
  async findSession(secret: string): Promise<Extract<Principal, { kind: 'session' }> | undefined> {
    const idHash = hashSecret(secret);
    const cached = this.caches?.sessions.get(idHash);
    if (cached) return cached;
    const row = await this.db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select(['s.csrf_token', 'u.id', 'u.username', 'u.role', 'u.created_at'])
      .where('s.id_hash', '=', idHash)
      .where('s.expires_at', '>', new Date())
      .executeTakeFirst();
    if (!row) return undefined;
    const p = { kind: 'session' as const, sessionHash: idHash, csrfToken: row.csrf_token, user: { id: row.id, username: row.username, role: row.role, createdAt: row.created_at } };
    this.caches?.sessions.set(idHash, p);
    return p;
  }

  async findToken(token: string): Promise<Extract<Principal, { kind: 'token' }> | undefined> {
    if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 200) return undefined;
    const cached = this.caches?.tokens.get(hashSecret(token));
    if (cached) return cached;
    const row = await this.db
      .selectFrom('api_tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select(['t.id as token_id', 't.last_used_at', 'u.id', 'u.username', 'u.role', 'u.created_at'])
      .where('t.token_hash', '=', hashSecret(token))
      .where('t.revoked_at', 'is', null)
      .executeTakeFirst();
    if (!row) return undefined;
    // last_used_at is written at most once a minute per token: no write per request.
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
      await this.db.updateTable('api_tokens').set({ last_used_at: new Date() }).where('id', '=', row.token_id).execute();
    }
    const p = { kind: 'token' as const, tokenId: row.token_id, user: { id: row.id, username: row.username, role: row.role, createdAt: row.created_at } };
    this.caches?.tokens.set(hashSecret(token), p);
    return p;
  }

  async createToken(userId: string, name: string) {
    const token = newSecret(API_TOKEN_PREFIX);
    const row = await this.db
      .insertInto('api_tokens')
      .values({ user_id: userId, name, token_hash: hashSecret(token) })
      .returning(['id', 'name', 'created_at', 'last_used_at'])
      .executeTakeFirstOrThrow();
    return { ...row, token };
  }

  listTokens(userId: string) {
    return this.db
      .selectFrom('api_tokens')
      .select(['id', 'name', 'created_at', 'last_used_at'])
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .orderBy('created_at', 'desc')
      .execute();
  }

  /** True when a live token of this user was revoked. */
  async revokeToken(userId: string, id: string): Promise<boolean> {
    const r = await this.db.updateTable('api_tokens').set({ revoked_at: new Date() }).where('id', '=', id).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
    // Tokens are cached by secret, which is not kept: every replica drops its token cache.
    await this.caches?.invalidate('token', '*');
    return Number(r.numUpdatedRows) > 0;
  }
}
