import type { Kysely } from 'kysely';
import type { Database, WorkspaceRole } from '@bigapp/kit/db';
import { forbidden, notFound } from './errors.js';
import type { ReadCaches } from './cache/read-caches.js';

const RANK: Record<WorkspaceRole, number> = { viewer: 1, editor: 2, owner: 3 };

const VERB: Record<WorkspaceRole, string> = {
  viewer: 'read this workspace',
  editor: 'change the media of this workspace',
  owner: 'manage this workspace and its members',
};

/** Pure: may a member with `role` do what needs `min`? */
export function allows(role: WorkspaceRole, min: WorkspaceRole): boolean {
  return RANK[role] >= RANK[min];
}

/**
 * The caller's role in a workspace, or throws: a non-member gets 404 (the
 * workspace's existence is not revealed), a member below `min` gets 403.
 */
export async function requireRole(
  { db, caches }: { db: Kysely<Database>; caches?: ReadCaches },
  workspaceId: string,
  userId: string,
  min: WorkspaceRole,
): Promise<WorkspaceRole> {
  // Cached briefly; every membership change drops the workspace's entries on every replica (ReadCaches).
  const roleCache = caches?.roles;
  const key = `${workspaceId}|${userId}`;
  let role = roleCache?.get(key);
  if (role === undefined) {
    const row = await db.selectFrom('memberships').select('role').where('workspace_id', '=', workspaceId).where('user_id', '=', userId).executeTakeFirst();
    role = row?.role ?? null;
    roleCache?.set(key, role);
  }
  if (!role) throw notFound('The workspace');
  if (!allows(role, min)) throw forbidden(`Your role (${role}) may not ${VERB[min]}; it needs ${min}.`);
  return role;
}
