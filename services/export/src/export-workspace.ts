import { Readable, Transform } from 'node:stream';
import { finished } from 'node:stream/promises';
import yazl from 'yazl';
import { JobFailure, type JobContext, type ServiceContext } from '@bigapp/kit';
import type { Bucket } from '@bigapp/kit/storage';
import type { DatabaseHandle } from '@bigapp/kit/db';
import { parseExportConfig, type ExportConfig } from './config.js';
import { EXPORTS_PREFIX, ProgressThrottle, expiredKeys, exportKey, itemOf, metadataJson, ndjsonLine, type ExportItem } from './layout.js';

export interface ExportData {
  workspaceId: string;
  requestedBy: string;
}

export interface ExportResult {
  key: string;
  bytes: number;
  items: number;
  expiresAt: string;
}

export interface ExportDeps {
  bucket: Bucket;
  db: DatabaseHandle;
  config: ExportConfig;
  log: ServiceContext['log'];
}

let deps: ExportDeps | undefined;

/**
 * The export service's start hook: keeps the database and bucket for the
 * handler, and sweeps expired archives from `exports/` on a timer (every
 * replica sweeps; deleting an object twice is harmless).
 */
export async function startExport(ctx: ServiceContext): Promise<() => Promise<void>> {
  if (!ctx.bucket || !ctx.db) throw new Error('the export service needs a database and a bucket');
  const d: ExportDeps = { bucket: ctx.bucket, db: ctx.db, config: parseExportConfig(ctx.config.raw), log: ctx.log };
  deps = d;
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<unknown> | undefined;
  const sweep = () => {
    sweeping ??= sweepExpiredExports(d.bucket, d.config.ttlMs)
      .then((n) => n > 0 && d.log.info({ deleted: n }, 'expired export archives deleted'))
      .catch((err: unknown) => d.log.warn({ err }, 'export sweep failed; will try again'))
      .finally(() => (sweeping = undefined));
  };
  if (d.config.sweepIntervalMs > 0) {
    sweep();
    timer = setInterval(sweep, d.config.sweepIntervalMs);
    timer.unref();
  }
  return async () => {
    if (timer) clearInterval(timer);
    await sweeping;
    deps = undefined;
  };
}

/** Deletes archives under `exports/` older than `ttlMs`; returns how many. */
export async function sweepExpiredExports(bucket: Bucket, ttlMs: number, now = Date.now()): Promise<number> {
  let n = 0;
  let page: { key: string; lastModified?: Date }[] = [];
  const flush = async () => {
    for (const key of expiredKeys(page, now, ttlMs)) {
      await bucket.delete(key);
      n++;
    }
    page = [];
  };
  for await (const o of bucket.list(EXPORTS_PREFIX)) {
    page.push(o);
    if (page.length >= 500) await flush();
  }
  await flush();
  return n;
}

/** `export.workspace`: the handler the bus calls. */
export async function exportWorkspace(data: ExportData, ctx: JobContext): Promise<ExportResult> {
  if (!deps) throw new Error('the export service is not started');
  return runExport(deps, data, ctx);
}

const isNotFound = (err: unknown) => (err as { code?: unknown } | null)?.code === 'not_found';

/**
 * Streams the archive into the bucket while it is being written: originals
 * one at a time (stored, not recompressed: they are JPEG/PNG/WebP already),
 * then metadata.json and items.ndjson describing exactly the originals that
 * went in. Nothing is held in memory but the item list.
 */
export async function runExport(d: ExportDeps, data: ExportData, ctx: Pick<JobContext, 'jobId' | 'signal' | 'log' | 'publish'>): Promise<ExportResult> {
  const { db, bucket } = d;
  const workspace = await db.db.selectFrom('workspaces').select(['id', 'name']).where('id', '=', data.workspaceId).executeTakeFirst();
  if (!workspace) throw new JobFailure('workspace_missing', 'The workspace no longer exists.');
  // One query: a consistent snapshot of the item list (rows are small; the bytes are streamed).
  const rows = await db.db
    .selectFrom('media')
    .select(['id', 'filename', 'content_type', 'size', 'sha256', 'width', 'height', 'format', 'created_at', 'original_key'])
    .where('workspace_id', '=', data.workspaceId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();

  const key = exportKey(data.workspaceId, ctx.jobId);
  const exportedAt = new Date().toISOString();
  const totalBytes = rows.reduce((a, r) => a + Number(r.size), 0);
  const throttle = new ProgressThrottle();
  const progress = async (done: number) => {
    const p = throttle.next(done, totalBytes);
    if (p === undefined) return;
    try {
      await ctx.publish('job.progress', { workspaceId: data.workspaceId, jobId: ctx.jobId, kind: 'export', progress: p });
    } catch (err) {
      ctx.log.debug({ err }, 'progress not published');
    }
  };

  const zip = new yazl.ZipFile();
  const output = zip.outputStream as unknown as Readable;
  const abortAll = (err: Error) => output.destroy(err);
  const onAbort = () => abortAll(ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('export aborted'));
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const stored = bucket.put(key, output, { contentType: 'application/zip' });
  // A failed upload must stop the loop below, which otherwise waits on an entry nobody reads.
  let uploadError: unknown;
  const uploadFailed = stored.then(
    () => new Promise<never>(() => undefined),
    (err: unknown) => {
      uploadError = err;
      throw err;
    },
  );
  uploadFailed.catch(() => undefined);

  const written: ExportItem[] = [];
  let doneBytes = 0;
  try {
    await progress(0);
    for (const row of rows) {
      ctx.signal.throwIfAborted();
      if (uploadError) throw uploadError;
      let got;
      try {
        got = await bucket.get(row.original_key);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        // Deleted between the query and now: the archive describes what it holds.
        ctx.log.warn({ mediaId: row.id }, 'original missing from the bucket; left out of the export');
        continue;
      }
      const item = itemOf(row);
      const counter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          doneBytes += chunk.length;
          void progress(doneBytes);
          cb(null, chunk);
        },
      });
      got.body.on('error', (err) => counter.destroy(err));
      got.body.pipe(counter);
      zip.addReadStream(counter, item.entry, { compress: false, mtime: row.created_at, mode: 0o100644 });
      // One original at a time: wait until yazl has read this one (or the upload failed).
      await Promise.race([finished(counter), uploadFailed]);
      written.push(item);
    }
    zip.addReadStream(Readable.from(metadataJson(workspace, exportedAt, written)), 'metadata.json', { mtime: new Date(exportedAt) });
    zip.addReadStream(Readable.from((function* () {
      for (const item of written) yield ndjsonLine(data.workspaceId, exportedAt, item);
    })()), 'items.ndjson', { mtime: new Date(exportedAt) });
    zip.end();
    const put = await stored;
    await progress(totalBytes);
    return {
      key,
      bytes: put.contentLength,
      items: written.length,
      expiresAt: new Date(Date.now() + d.config.ttlMs).toISOString(),
    };
  } catch (err) {
    abortAll(err instanceof Error ? err : new Error(String(err)));
    await stored.catch(() => undefined);
    // A partial archive is never stored (puts are all-or-nothing), but make sure.
    await bucket.delete(key).catch(() => undefined);
    throw err;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
}
