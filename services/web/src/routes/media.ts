import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MultipartFile } from '@fastify/multipart';
import { sql } from 'kysely';
import { z } from 'zod';
import { PageQuery, uuid, type Media } from '@bigapp/contracts';
import { requireRole } from '../access.js';
import { caller } from '../auth/hook.js';
import type { WebContext } from '../context.js';
import { badRequest, notFound, tooLarge, unsupportedType } from '../errors.js';
import { deleteUnreferenced } from '../media/cleanup.js';
import { decodeCursor, encodeCursor } from '../media/cursor.js';
import { SNIFF_BYTES, sniffImage } from '../media/sniff.js';
import { peek, streamToBucket } from '../media/stream.js';
import { parse } from '../validate.js';
import { MEDIA_COLUMNS, mediaView } from '../views.js';
import { WorkspaceParams } from './workspaces.js';

const MediaParams = z.strictObject({ id: uuid, mediaId: uuid });

/** A file name fit to store and show: no path, no control characters, at most 255 characters. */
export function cleanFilename(name: string | undefined, fallback: string): string {
  // eslint-disable-next-line no-control-regex
  const base = (name ?? '').split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim();
  return (base || fallback).slice(0, 255);
}

/** RFC 6266 attachment header with an ASCII fallback and the UTF-8 name. */
export function attachment(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/**
 * The single file part of a multipart upload, named `field`. Rejects early
 * (before reading) what a Content-Length already shows to be too large.
 */
export async function uploadedFile(req: FastifyRequest, field: string, maxBytes: number): Promise<MultipartFile> {
  const declared = Number(req.headers['content-length']);
  // Multipart framing adds a few hundred bytes; 64 KiB of slack never refuses a legal file.
  if (Number.isFinite(declared) && declared > maxBytes + 65_536) throw tooLarge(`The file is larger than the limit of ${maxBytes} bytes.`);
  if (!req.isMultipart()) throw unsupportedType(`Send multipart/form-data with the file in a field named "${field}".`);
  const file = await req.file({ limits: { fileSize: maxBytes + 1, files: 1, fields: 0, parts: 1, fieldNameSize: 100, headerPairs: 100 } });
  if (!file) throw badRequest(`body.${field}: required (multipart field "${field}" with the file)`, [{ field: `body.${field}`, message: 'required', code: 'required' }]);
  if (file.fieldname !== field) {
    file.file.resume();
    throw badRequest(`body.${file.fieldname}: unknown field; send the file in a field named "${field}"`, [{ field: `body.${file.fieldname}`, message: 'unknown field', code: 'unrecognized_keys' }]);
  }
  return file;
}

export async function mediaRoutes(app: FastifyInstance, ctx: WebContext): Promise<void> {
  const { db, bucket, ledger, links, config } = ctx;

  app.post('/api/workspaces/:id/media', async (req, reply) => {
    const { id: workspaceId } = parse(WorkspaceParams, req.params, 'params');
    const user = caller(req).user;
    await requireRole(ctx, workspaceId, user.id, 'editor');
    const file = await uploadedFile(req, 'file', config.uploadMaxBytes);
    const { head, whole } = await peek(file.file, SNIFF_BYTES);
    const sniff = await sniffImage(head);
    if (!sniff.ok) {
      whole.resume();
      throw unsupportedType(sniff.reason);
    }
    const mediaId = randomUUID();
    const key = `originals/${workspaceId}/${mediaId}`;
    const stored = await streamToBucket(bucket, key, whole, { maxBytes: config.uploadMaxBytes, contentType: sniff.type, truncated: () => file.file.truncated });
    const filename = cleanFilename(file.filename, `${mediaId}.${sniff.ext}`);
    let row;
    try {
      row = await ledger.transaction(async (trx, jobs) => {
        const ws = await trx.selectFrom('workspaces').select('id').where('id', '=', workspaceId).forShare().executeTakeFirst();
        if (!ws) throw notFound('The workspace');
        const job = await jobs.enqueue('image', 'thumbnail', { workspaceId, mediaId, key }, { workspaceId });
        return trx
          .insertInto('media')
          .values({
            id: mediaId, workspace_id: workspaceId, filename, content_type: sniff.type, size: stored.size, sha256: stored.sha256,
            original_key: key, status: 'processing', job_id: job.id, created_by: user.id,
          })
          .returning([...MEDIA_COLUMNS])
          .executeTakeFirstOrThrow();
      });
    } catch (err) {
      await bucket.delete(key).catch(() => undefined);
      throw err;
    }
    const media = await mediaView(row, links);
    await ctx.fanout.publish({ type: 'media.updated', workspaceId, media }).catch((err: unknown) => req.log.warn({ err }, 'could not publish media.updated'));
    req.log.info({ workspaceId, mediaId, bytes: stored.size, type: sniff.type }, 'media uploaded');
    return reply.code(201).send(media);
  });

  app.get('/api/workspaces/:id/media', async (req, reply) => {
    const { id } = parse(WorkspaceParams, req.params, 'params');
    const q = parse(PageQuery, req.query, 'query');
    await requireRole(ctx, id, caller(req).user.id, 'viewer');
    // Pages are the same for every member: cached briefly, dropped on any change to the workspace.
    const cacheKey = `${id}|${q.limit}|${q.cursor ?? ''}`;
    const hit = ctx.caches.pages.get(cacheKey);
    if (hit) return reply.type('application/json; charset=utf-8').send(hit);
    const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    if (q.cursor !== undefined && !cursor) throw badRequest('query.cursor: not a cursor from a previous page', [{ field: 'query.cursor', message: 'not a cursor from a previous page', code: 'invalid_cursor' }]);
    let query = db
      .selectFrom('media')
      .select([...MEDIA_COLUMNS, sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('ts')])
      .where('workspace_id', '=', id)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(q.limit + 1);
    if (cursor) query = query.where(sql<boolean>`(created_at, id) < (${cursor.createdAt}::timestamptz, ${cursor.id}::uuid)`);
    const rows = await query.execute();
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    const body = JSON.stringify({
      items: await Promise.all(page.map((r) => mediaView(r, links))),
      nextCursor: rows.length > q.limit && last ? encodeCursor({ createdAt: last.ts, id: last.id }) : null,
    } satisfies { items: Media[]; nextCursor: string | null });
    ctx.caches.pages.set(cacheKey, body);
    return reply.type('application/json; charset=utf-8').send(body);
  });

  const findMedia = async (req: FastifyRequest, min: 'viewer' | 'editor') => {
    const { id, mediaId } = parse(MediaParams, req.params, 'params');
    await requireRole(ctx, id, caller(req).user.id, min);
    const row = await db.selectFrom('media').select([...MEDIA_COLUMNS, 'original_key']).where('id', '=', mediaId).where('workspace_id', '=', id).executeTakeFirst();
    if (!row) throw notFound('The media item');
    return row;
  };

  app.get('/api/workspaces/:id/media/:mediaId', async (req) => mediaView(await findMedia(req, 'viewer'), links));

  app.delete('/api/workspaces/:id/media/:mediaId', async (req, reply) => {
    const row = await findMedia(req, 'editor');
    await db.deleteFrom('media').where('id', '=', row.id).execute();
    await deleteUnreferenced(ctx, [row.original_key, row.thumb_small_key, row.thumb_large_key]);
    await ctx.fanout.publish({ type: 'media.deleted', workspaceId: row.workspace_id, mediaId: row.id }).catch((err: unknown) => req.log.warn({ err }, 'could not publish media.deleted'));
    return reply.code(204).send();
  });

  app.get('/api/workspaces/:id/media/:mediaId/original', async (req, reply) => {
    const row = await findMedia(req, 'viewer');
    const got = await bucket.get(row.original_key);
    return reply
      .header('content-type', row.content_type)
      .header('content-length', got.contentLength)
      .header('content-disposition', attachment(row.filename))
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, max-age=0, must-revalidate')
      .send(got.body);
  });
}
