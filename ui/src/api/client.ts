import {
  JobAccepted,
  JobView,
  Media,
  Member,
  Page,
  Session,
  Workspace,
  type Credentials,
  type WorkspaceRole,
} from '@bigapp/contracts';
import { z } from 'zod';
import { check, request } from './http.js';
import { uploadFile, type UploadHandle } from './upload.js';

/** The typed API client: one function per route in packages/contracts/src/api.ts. */

export type { Session, Workspace, Member, Media, JobView, WorkspaceRole };
export type MediaPage = { items: Media[]; nextCursor: string | null };

const MediaPageSchema = Page(Media);
const Workspaces = z.array(Workspace);
const Members = z.array(Member);
const enc = encodeURIComponent;
const ws = (id: string) => `/api/workspaces/${enc(id)}`;

/** Lists may come bare or wrapped ({items}); accept both so the UI does not
 * depend on that detail of the server. */
function listOf(data: unknown): unknown {
  if (data && typeof data === 'object' && !Array.isArray(data) && Array.isArray((data as { items?: unknown }).items)) {
    return (data as { items: unknown }).items;
  }
  return data;
}

export const api = {
  async me(): Promise<Session> {
    return check(Session, (await request('GET', '/api/auth/me')).data, 'session');
  },
  async login(c: Credentials): Promise<Session> {
    return check(Session, (await request('POST', '/api/auth/login', c)).data, 'session');
  },
  async register(c: Credentials): Promise<Session> {
    return check(Session, (await request('POST', '/api/auth/register', c)).data, 'session');
  },
  async logout(): Promise<void> {
    await request('POST', '/api/auth/logout');
  },

  async workspaces(): Promise<Workspace[]> {
    return check(Workspaces, listOf((await request('GET', '/api/workspaces')).data), 'workspace list');
  },
  async createWorkspace(name: string): Promise<Workspace> {
    return check(Workspace, (await request('POST', '/api/workspaces', { name })).data, 'workspace');
  },
  async renameWorkspace(id: string, name: string): Promise<Workspace> {
    return check(Workspace, (await request('PATCH', ws(id), { name })).data, 'workspace');
  },
  async deleteWorkspace(id: string): Promise<void> {
    await request('DELETE', ws(id));
  },

  async members(id: string): Promise<Member[]> {
    return check(Members, listOf((await request('GET', `${ws(id)}/members`)).data), 'member list');
  },
  async addMember(id: string, username: string, role: WorkspaceRole): Promise<Member> {
    return check(Member, (await request('POST', `${ws(id)}/members`, { username, role })).data, 'member');
  },
  async setMemberRole(id: string, userId: string, role: WorkspaceRole): Promise<Member> {
    return check(Member, (await request('PATCH', `${ws(id)}/members/${enc(userId)}`, { role })).data, 'member');
  },
  async removeMember(id: string, userId: string): Promise<void> {
    await request('DELETE', `${ws(id)}/members/${enc(userId)}`);
  },

  async media(id: string, cursor?: string | null, limit = 50): Promise<MediaPage> {
    const q = new URLSearchParams({ limit: String(limit) });
    if (cursor) q.set('cursor', cursor);
    return check(MediaPageSchema, (await request('GET', `${ws(id)}/media?${q}`)).data, 'media page');
  },
  async deleteMedia(id: string, mediaId: string): Promise<void> {
    await request('DELETE', `${ws(id)}/media/${enc(mediaId)}`);
  },
  originalUrl(id: string, mediaId: string): string {
    return `${ws(id)}/media/${enc(mediaId)}/original`;
  },
  upload(id: string, file: File, onProgress: (f: number) => void): UploadHandle<Media> {
    return uploadFile(`${ws(id)}/media`, file, onProgress, (d) => check(Media, d, 'media item'));
  },

  async startExport(id: string): Promise<string> {
    return check(JobAccepted, (await request('POST', `${ws(id)}/exports`)).data, 'job').jobId;
  },
  startImport(id: string, file: File, onProgress: (f: number) => void): UploadHandle<string> {
    return uploadFile(`${ws(id)}/imports`, file, onProgress, (d) => check(JobAccepted, d, 'job').jobId);
  },
  async job(jobId: string): Promise<JobView> {
    return check(JobView, (await request('GET', `/api/jobs/${enc(jobId)}`)).data, 'job');
  },
  eventsUrl(id: string): string {
    return `${ws(id)}/events`;
  },
};
