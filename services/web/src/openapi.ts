import { z } from 'zod';
import {
  ApiToken, ApiTokenCreated, Credentials, ErrorBody, JobAccepted, JobView, Media, Member, MemberAdd, MemberUpdate, Page, PageQuery,
  Session, TokenCreate, Workspace, WorkspaceCreate, WorkspaceEvent, WorkspaceRename,
} from '@bigapp/contracts';

/**
 * The OpenAPI 3.1 document, generated from the contracts' zod schemas (JSON
 * Schema 2020-12, which OpenAPI 3.1 uses as is). `operations` is the list of
 * every /api route; a test checks it against the routes the app registered.
 */

const schemas = {
  Credentials, Session, TokenCreate, ApiToken, ApiTokenCreated, WorkspaceCreate, WorkspaceRename, Workspace, MemberAdd, MemberUpdate, Member,
  Media, MediaPage: Page(Media), JobView, JobAccepted, WorkspaceEvent, ErrorBody,
  WorkspaceList: z.array(Workspace), MemberList: z.array(Member), ApiTokenList: z.array(ApiToken),
} as const;
type SchemaName = keyof typeof schemas;

const Upload = { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } };

export interface Operation {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  summary: string;
  tag: string;
  /** Who may call: public, any signed-in user, or a workspace role. */
  access: 'public' | 'user' | 'admin' | 'viewer' | 'editor' | 'owner' | 'member of the job\'s workspace';
  body?: SchemaName | 'upload';
  query?: 'page';
  ok: { status: number; schema?: SchemaName; contentType?: string; description?: string };
}

export const operations: Operation[] = [
  { method: 'post', path: '/api/auth/register', tag: 'auth', access: 'public', body: 'Credentials', ok: { status: 201, schema: 'Session' }, summary: 'Create an account and sign in (the first account becomes admin).' },
  { method: 'post', path: '/api/auth/login', tag: 'auth', access: 'public', body: 'Credentials', ok: { status: 200, schema: 'Session' }, summary: 'Sign in: sets the bigapp_session cookie (new session id) and returns the CSRF token. Rate limited per IP and username.' },
  { method: 'post', path: '/api/auth/logout', tag: 'auth', access: 'user', ok: { status: 204 }, summary: 'End the session.' },
  { method: 'get', path: '/api/auth/me', tag: 'auth', access: 'user', ok: { status: 200, schema: 'Session' }, summary: 'The signed-in user and the session\'s CSRF token (empty for Bearer tokens).' },
  { method: 'get', path: '/api/tokens', tag: 'tokens', access: 'user', ok: { status: 200, schema: 'ApiTokenList' }, summary: 'Your live API tokens (never the secrets).' },
  { method: 'post', path: '/api/tokens', tag: 'tokens', access: 'user', body: 'TokenCreate', ok: { status: 201, schema: 'ApiTokenCreated' }, summary: 'Create a personal API token; the secret is in this response only.' },
  { method: 'delete', path: '/api/tokens/{tokenId}', tag: 'tokens', access: 'user', ok: { status: 204 }, summary: 'Revoke a token.' },
  { method: 'get', path: '/api/workspaces', tag: 'workspaces', access: 'user', ok: { status: 200, schema: 'WorkspaceList' }, summary: 'Workspaces you are a member of, with your role.' },
  { method: 'post', path: '/api/workspaces', tag: 'workspaces', access: 'user', body: 'WorkspaceCreate', ok: { status: 201, schema: 'Workspace' }, summary: 'Create a workspace; you become its owner.' },
  { method: 'get', path: '/api/workspaces/{id}', tag: 'workspaces', access: 'viewer', ok: { status: 200, schema: 'Workspace' }, summary: 'One workspace.' },
  { method: 'patch', path: '/api/workspaces/{id}', tag: 'workspaces', access: 'owner', body: 'WorkspaceRename', ok: { status: 200, schema: 'Workspace' }, summary: 'Rename.' },
  { method: 'delete', path: '/api/workspaces/{id}', tag: 'workspaces', access: 'owner', ok: { status: 204 }, summary: 'Delete the workspace, its media and its bucket objects.' },
  { method: 'get', path: '/api/workspaces/{id}/members', tag: 'members', access: 'viewer', ok: { status: 200, schema: 'MemberList' }, summary: 'Members and roles.' },
  { method: 'post', path: '/api/workspaces/{id}/members', tag: 'members', access: 'owner', body: 'MemberAdd', ok: { status: 201, schema: 'Member' }, summary: 'Add a user by username.' },
  { method: 'patch', path: '/api/workspaces/{id}/members/{userId}', tag: 'members', access: 'owner', body: 'MemberUpdate', ok: { status: 200, schema: 'Member' }, summary: 'Change a member\'s role (a workspace keeps at least one owner).' },
  { method: 'delete', path: '/api/workspaces/{id}/members/{userId}', tag: 'members', access: 'owner', ok: { status: 204 }, summary: 'Remove a member (not the last owner).' },
  { method: 'get', path: '/api/workspaces/{id}/media', tag: 'media', access: 'viewer', query: 'page', ok: { status: 200, schema: 'MediaPage' }, summary: 'Media, newest first, keyset-paginated (pass nextCursor as cursor).' },
  { method: 'post', path: '/api/workspaces/{id}/media', tag: 'media', access: 'editor', body: 'upload', ok: { status: 201, schema: 'Media' }, summary: 'Upload one image (multipart field "file"); type sniffed from the content (JPEG, PNG, WebP, GIF, AVIF, TIFF). 413 over the size limit, 415 otherwise.' },
  { method: 'get', path: '/api/workspaces/{id}/media/{mediaId}', tag: 'media', access: 'viewer', ok: { status: 200, schema: 'Media' }, summary: 'One media item.' },
  { method: 'delete', path: '/api/workspaces/{id}/media/{mediaId}', tag: 'media', access: 'editor', ok: { status: 204 }, summary: 'Delete the item and its bucket objects.' },
  { method: 'get', path: '/api/workspaces/{id}/media/{mediaId}/original', tag: 'media', access: 'viewer', ok: { status: 200, contentType: 'application/octet-stream', description: 'The original file, as an attachment.' }, summary: 'Download the original.' },
  { method: 'post', path: '/api/workspaces/{id}/exports', tag: 'jobs', access: 'editor', ok: { status: 202, schema: 'JobAccepted' }, summary: 'Start an export (ZIP of originals + metadata.json + items.ndjson).' },
  { method: 'post', path: '/api/workspaces/{id}/imports', tag: 'jobs', access: 'editor', body: 'upload', ok: { status: 202, schema: 'JobAccepted' }, summary: 'Import a ZIP made by export (multipart field "file").' },
  { method: 'get', path: '/api/jobs/{jobId}', tag: 'jobs', access: "member of the job's workspace", ok: { status: 200, schema: 'JobView' }, summary: 'Job status; a finished export has a downloadUrl.' },
  { method: 'get', path: '/api/workspaces/{id}/events', tag: 'live', access: 'viewer', ok: { status: 200, contentType: 'text/event-stream', schema: 'WorkspaceEvent', description: 'Server-Sent Events: `event: <type>`, `data: <WorkspaceEvent JSON>`; a comment every 15 s.' }, summary: 'Live updates of a workspace.' },
  { method: 'get', path: '/api/ops/overview', tag: 'ops', access: 'admin', ok: { status: 200, contentType: 'application/json', description: 'Per service: queued, inflight, delayed, dead, done in the last minute/hour, jobs/s, p50/p95 handler ms, consumers; plus the last hour of queue depth and throughput (10 s samples).' }, summary: 'Operations overview of every registered service.' },
  { method: 'get', path: '/api/ops/dead/{service}', tag: 'ops', access: 'admin', ok: { status: 200, contentType: 'application/json', description: '`{service, entries: [{id, type, reason, error, ts, worker, preview}]}`; `?limit=` 1..1000 (100).' }, summary: "A service's dead letters with a payload preview (≤ 500 chars)." },
  { method: 'post', path: '/api/ops/dead/{service}/retry', tag: 'ops', access: 'admin', ok: { status: 200, contentType: 'application/json', description: '`{service, retried, skipped, ids}`; body `{ids?: string[]}` (all when omitted).' }, summary: 'Re-queue dead letters (queue:retry-dead, recorded in audit_log).' },
  { method: 'post', path: '/api/ops/dead/{service}/purge', tag: 'ops', access: 'admin', ok: { status: 200, contentType: 'application/json', description: '`{service, purged}`.' }, summary: "Delete a service's dead letters (queue:purge, recorded in audit_log)." },
  { method: 'get', path: '/api/ops/jobs/{jobId}', tag: 'ops', access: 'admin', ok: { status: 200, contentType: 'application/json', description: 'The ledger row, `attemptLog` (worker, duration, error per attempt) and `trace` (spans kept in this process) with `traceNote`.' }, summary: "A job's ledger row, attempts and trace." },
  { method: 'get', path: '/api/ops/events', tag: 'ops', access: 'admin', ok: { status: 200, contentType: 'text/event-stream', description: 'Server-Sent Events: `event: overview` with the overview JSON every 2 s.' }, summary: 'Live operations overview.' },
  { method: 'get', path: '/api/openapi.json', tag: 'docs', access: 'public', ok: { status: 200, contentType: 'application/json', description: 'This document.' }, summary: 'The OpenAPI 3.1 document.' },
  { method: 'get', path: '/api/docs', tag: 'docs', access: 'public', ok: { status: 200, contentType: 'text/html', description: 'A page rendering this document.' }, summary: 'API reference page.' },
];

function jsonSchema(s: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const j = z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete j.$schema;
  return j;
}

const ERRORS: Record<string, string> = {
  '400': 'Invalid input: `error.details` lists `{field, message}` per problem.',
  '401': 'No session cookie or Bearer token, or an unknown one.',
  '403': 'Signed in, but your role does not allow this (or the CSRF header is missing).',
  '404': 'Not found — also what a non-member gets for a workspace, so existence is not revealed.',
  '409': 'Conflicts with the current state.',
  '413': 'Too large.',
  '415': 'Unsupported type.',
  '429': 'Rate limited (Retry-After header).',
};

const errorsFor = (o: Operation): string[] => {
  const c = ['400'];
  if (o.access !== 'public') c.push('401');
  if (o.access !== 'public' && o.access !== 'user') c.push('404');
  if (['editor', 'owner', 'admin'].includes(o.access) || (o.method !== 'get' && o.access !== 'public')) c.push('403');
  if (o.body === 'upload') c.push('413', '415');
  if (o.path === '/api/auth/login' || o.path === '/api/auth/register') c.push('429');
  if (o.path.includes('/members') || o.path === '/api/auth/register') c.push('409');
  return c.sort();
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export function openApiDocument(version = '0.1.0'): Record<string, unknown> {
  const components: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(schemas)) components[name] = jsonSchema(s, 'output');
  // Request bodies as the server accepts them (defaults optional, strict objects).
  for (const name of ['Credentials', 'TokenCreate', 'WorkspaceCreate', 'WorkspaceRename', 'MemberAdd', 'MemberUpdate'] as const) components[name] = jsonSchema(schemas[name], 'input');
  const paths: Record<string, Record<string, unknown>> = {};
  for (const o of operations) {
    const params = [...o.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1], in: 'path', required: true, schema: m[1] === 'jobId' || m[1] === 'service' ? { type: 'string', maxLength: 128 } : { type: 'string', format: 'uuid' },
    }));
    if (o.query === 'page') {
      const q = jsonSchema(PageQuery, 'input') as { properties: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(q.properties)) params.push({ name, in: 'query', required: Boolean(q.required?.includes(name)), schema } as never);
    }
    const ok = o.ok.schema
      ? { description: o.ok.description ?? 'OK', content: { [o.ok.contentType ?? 'application/json']: { schema: ref(o.ok.schema) } } }
      : o.ok.contentType
        ? { description: o.ok.description ?? 'OK', content: { [o.ok.contentType]: {} } }
        : { description: 'No content' };
    const responses: Record<string, unknown> = { [String(o.ok.status)]: ok };
    for (const code of errorsFor(o)) responses[code] = { description: ERRORS[code], content: { 'application/json': { schema: ref('ErrorBody') } } };
    const op: Record<string, unknown> = {
      operationId: `${o.method}${o.path.replace(/^\/api/, '').replace(/\{(\w+)\}/g, 'By_$1').replace(/[^a-zA-Z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: o.summary,
      description: `Access: ${o.access}.`,
      tags: [o.tag],
      ...(params.length ? { parameters: params } : {}),
      responses,
      ...(o.access === 'public' ? { security: [] } : {}),
    };
    if (o.body === 'upload') op.requestBody = { required: true, content: { 'multipart/form-data': { schema: Upload } } };
    else if (o.body) op.requestBody = { required: true, content: { 'application/json': { schema: ref(o.body) } } };
    (paths[o.path] ??= {})[o.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'bigapp API',
      version,
      description:
        'The media-workspace JSON API. Authenticate with the `bigapp_session` cookie (from login; writes then need the `x-csrf-token` header) or `Authorization: Bearer <api token>`. Errors are `{error: {code, message, details?}}`.',
    },
    servers: [{ url: '/' }],
    security: [{ session: [] }, { bearer: [] }],
    tags: ['auth', 'tokens', 'workspaces', 'members', 'media', 'jobs', 'live', 'ops', 'docs'].map((name) => ({ name })),
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'bigapp_session', description: 'Writes also need the x-csrf-token header.' },
        bearer: { type: 'http', scheme: 'bearer', description: 'A personal API token (bat_...).' },
      },
    },
  };
}
