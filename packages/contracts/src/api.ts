import { z } from 'zod';

/**
 * The web service's JSON API bodies, shared by the server (validation,
 * OpenAPI) and the UI (typed client). Objects are strict: unknown fields in a
 * request are a 400, not silently dropped.
 */

export const username = z.string().regex(/^[a-z0-9][a-z0-9._-]{2,39}$/, '3-40 characters: lowercase letters, digits, ".", "_" or "-"');
export const password = z.string().min(10, 'at least 10 characters').max(200, 'at most 200 characters');
export const uuid = z.uuid();
export const isoDate = z.string();

export const Credentials = z.strictObject({ username, password });
export type Credentials = z.infer<typeof Credentials>;

export const UserRole = z.enum(['admin', 'member']);
export const User = z.object({ id: uuid, username: z.string(), role: UserRole, createdAt: isoDate });
export type User = z.infer<typeof User>;

/** Returned by login, register and /me: the CSRF token to send as `x-csrf-token` on cookie-authenticated writes. */
export const Session = z.object({ user: User, csrfToken: z.string() });
export type Session = z.infer<typeof Session>;

export const TokenCreate = z.strictObject({ name: z.string().trim().min(1).max(100) });
export const ApiToken = z.object({ id: uuid, name: z.string(), createdAt: isoDate, lastUsedAt: isoDate.nullable() });
export type ApiToken = z.infer<typeof ApiToken>;
/** The secret appears once, in the creation response; only its hash is stored. */
export const ApiTokenCreated = ApiToken.extend({ token: z.string() });
export type ApiTokenCreated = z.infer<typeof ApiTokenCreated>;

export const WorkspaceRole = z.enum(['owner', 'editor', 'viewer']);
export type WorkspaceRole = z.infer<typeof WorkspaceRole>;
export const workspaceName = z.string().trim().min(1, 'required').max(100, 'at most 100 characters');
export const WorkspaceCreate = z.strictObject({ name: workspaceName });
export const WorkspaceRename = z.strictObject({ name: workspaceName });
export const Workspace = z.object({ id: uuid, name: z.string(), role: WorkspaceRole, createdAt: isoDate });
export type Workspace = z.infer<typeof Workspace>;

export const MemberAdd = z.strictObject({ username, role: WorkspaceRole });
export const MemberUpdate = z.strictObject({ role: WorkspaceRole });
export const Member = z.object({ userId: uuid, username: z.string(), role: WorkspaceRole });
export type Member = z.infer<typeof Member>;

export const MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/tiff'] as const;
export const MediaStatus = z.enum(['processing', 'ready', 'failed']);
export const Media = z.object({
  id: uuid,
  workspaceId: uuid,
  filename: z.string(),
  contentType: z.enum(MEDIA_TYPES),
  size: z.number().int(),
  status: MediaStatus,
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  format: z.string().nullable(),
  /** Why processing failed, readable by a person. */
  error: z.string().nullable(),
  /** URLs of the WebP thumbnails, served with long-lived cache headers. */
  thumbnails: z.object({ small: z.string(), large: z.string() }).nullable(),
  createdAt: isoDate,
});
export type Media = z.infer<typeof Media>;

export const Page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});

export const JobKind = z.enum(['image', 'export', 'import']);
export const JobView = z.object({
  id: z.string(),
  kind: JobKind,
  status: z.enum(['queued', 'active', 'succeeded', 'failed', 'dead']),
  attempts: z.number().int(),
  result: z.unknown().nullable(),
  error: z.unknown().nullable(),
  createdAt: isoDate,
  finishedAt: isoDate.nullable(),
  /** For a finished export: a link to download the archive, valid for a limited time. */
  downloadUrl: z.string().nullable().optional(),
});
export type JobView = z.infer<typeof JobView>;
export const JobAccepted = z.object({ jobId: z.string() });

/** Server-Sent Events on /api/workspaces/:id/events: `event: <type>` with this JSON as `data`. */
export const WorkspaceEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('media.updated'), workspaceId: uuid, media: Media }),
  z.object({ type: z.literal('media.deleted'), workspaceId: uuid, mediaId: uuid }),
  z.object({ type: z.literal('job.progress'), workspaceId: uuid, jobId: z.string(), kind: JobKind, progress: z.number().min(0).max(1) }),
  z.object({ type: z.literal('job.finished'), workspaceId: uuid, job: JobView }),
]);
export type WorkspaceEvent = z.infer<typeof WorkspaceEvent>;
