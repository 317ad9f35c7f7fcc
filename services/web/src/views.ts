import type { Media, JobView, User, Workspace, WorkspaceRole } from '@bigapp/contracts';
import type { Job, UserRole } from '@bigapp/kit/db';
import type { Links } from './links.js';

/** Database rows to API bodies. Pure apart from link signing. */

export const iso = (d: Date | string): string => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());

export function userView(u: { id: string; username: string; role: UserRole; createdAt?: Date; created_at?: Date }): User {
  return { id: u.id, username: u.username, role: u.role, createdAt: iso((u.createdAt ?? u.created_at)!) };
}

export function workspaceView(w: { id: string; name: string; role: WorkspaceRole; created_at: Date }): Workspace {
  return { id: w.id, name: w.name, role: w.role, createdAt: iso(w.created_at) };
}

export interface MediaRow {
  id: string;
  workspace_id: string;
  filename: string;
  content_type: string;
  size: number | string;
  status: 'processing' | 'ready' | 'failed';
  width: number | null;
  height: number | null;
  format: string | null;
  error: string | null;
  thumb_small_key: string | null;
  thumb_large_key: string | null;
  created_at: Date;
}

export const MEDIA_COLUMNS = [
  'id', 'workspace_id', 'filename', 'content_type', 'size', 'status', 'width', 'height', 'format', 'error', 'thumb_small_key', 'thumb_large_key', 'created_at',
] as const;

export async function mediaView(m: MediaRow, links: Links): Promise<Media> {
  const thumbs =
    m.status === 'ready' && m.thumb_small_key && m.thumb_large_key
      ? { small: await links.thumbnail(m.thumb_small_key), large: await links.thumbnail(m.thumb_large_key) }
      : null;
  return {
    id: m.id,
    workspaceId: m.workspace_id,
    filename: m.filename,
    contentType: m.content_type as Media['contentType'],
    size: Number(m.size),
    status: m.status,
    width: m.width,
    height: m.height,
    format: m.format,
    error: m.error,
    thumbnails: thumbs,
    createdAt: iso(m.created_at),
  };
}

export function jobView(j: Job, downloadUrl?: string | null): JobView {
  return {
    id: j.id,
    kind: j.service as JobView['kind'],
    status: j.status,
    attempts: j.attempts,
    result: j.result ?? null,
    error: j.error ?? null,
    createdAt: iso(j.created_at),
    finishedAt: j.finished_at ? iso(j.finished_at) : null,
    ...(downloadUrl !== undefined ? { downloadUrl } : {}),
  };
}
