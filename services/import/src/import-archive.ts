import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { fileTypeFromBuffer } from 'file-type';
import { JobFailure, type JobContext, type ServiceContext } from '@bigapp/kit';
import type { Bucket } from '@bigapp/kit/storage';
import type { DatabaseHandle } from '@bigapp/kit/db';
import type { JobLedger } from '@bigapp/kit/ledger';
import { parseImportConfig, type ImportConfig } from './config.js';
import {
  ACCEPTED_MIME,
  BudgetSpent,
  DESCRIPTOR_ENTRIES,
  EntryRejected,
  RejectionList,
  SNIFF_BYTES,
  StreamBudget,
  basenameOf,
  declaredProblem,
  entryNameProblem,
  exportMetadataSchema,
  importedMediaId,
  indexMetadata,
  isDirectory,
  isSymlink,
  originalKey,
  type KnownItem,
} from './rules.js';

export interface ImportData {
  workspaceId: string;
  key: string;
  requestedBy: string;
}

export interface ImportResult {
  imported: number;
  rejected: { entry: string; reason: string }[];
}

export interface ImportDeps {
  bucket: Bucket;
  db: DatabaseHandle;
  ledger: JobLedger;
  config: ImportConfig;
}

let deps: ImportDeps | undefined;

/** The import service's start hook: keeps the bucket, database, ledger and limits for the handler. */
export async function startImport(ctx: ServiceContext): Promise<() => Promise<void>> {
  if (!ctx.bucket || !ctx.db || !ctx.ledger) throw new Error('the import service needs a database (with the job ledger) and a bucket');
  deps = { bucket: ctx.bucket, db: ctx.db, ledger: ctx.ledger, config: parseImportConfig(ctx.config.raw) };
  return async () => {
    deps = undefined;
  };
}

/** `import.archive`: the handler the bus calls. */
export async function importArchive(data: ImportData, ctx: JobContext): Promise<ImportResult> {
  if (!deps) throw new Error('the import service is not started');
  return runImport(deps, data, ctx);
}

const isNotFound = (err: unknown) => (err as { code?: unknown } | null)?.code === 'not_found';
const msg = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);

interface Candidate {
  index: number;
  name: string;
  entry: Entry;
}

type JobCtx = Pick<JobContext, 'jobId' | 'signal' | 'log' | 'publish'>;

/**
 * Downloads the archive to a temp file (yauzl reads the central directory
 * with random access), refuses it whole when it is not a ZIP or has too many
 * entries, then checks every entry (name, type, declared sizes), and streams
 * each accepted image into the bucket under a new key while counting,
 * hashing and re-checking its bytes. Each item's row and its thumbnail job
 * are written in one transaction.
 */
export async function runImport(d: ImportDeps, data: ImportData, ctx: JobCtx): Promise<ImportResult> {
  const { bucket, config } = d;
  const workspace = await d.db.db.selectFrom('workspaces').select('id').where('id', '=', data.workspaceId).executeTakeFirst();
  if (!workspace) throw new JobFailure('workspace_missing', 'The workspace no longer exists.');
  const user = await d.db.db.selectFrom('users').select('id').where('id', '=', data.requestedBy).executeTakeFirst();

  const tmp = await mkdtemp(path.join(config.tmpDir ?? os.tmpdir(), 'bigapp-import-'));
  let finalOutcome = false;
  try {
    const file = path.join(tmp, 'archive.zip');
    await download(bucket, data.key, file, config.maxArchiveBytes, ctx.signal);

    let zip: ZipFile;
    try {
      zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: true });
    } catch (err) {
      finalOutcome = true;
      throw new JobFailure('archive_invalid', `The file is not a readable ZIP archive: ${msg(err)}.`);
    }
    try {
      const result = await importEntries(d, data, ctx, zip, user ? user.id : null);
      finalOutcome = true;
      return result;
    } catch (err) {
      if (err instanceof JobFailure) finalOutcome = true;
      throw err;
    } finally {
      zip.close();
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
    // The uploaded archive has done its job once the outcome is final; a retry still needs it.
    if (finalOutcome && config.deleteArchive) await bucket.delete(data.key).catch((err: unknown) => ctx.log.warn({ err, key: data.key }, 'uploaded archive not deleted'));
  }
}

async function download(bucket: Bucket, key: string, file: string, maxBytes: number, signal: AbortSignal): Promise<void> {
  let got;
  try {
    got = await bucket.get(key);
  } catch (err) {
    if (isNotFound(err)) throw new JobFailure('archive_missing', 'The uploaded archive is no longer in storage.');
    throw err;
  }
  const tooBig = () => new JobFailure('archive_too_large', `The archive is over the limit of ${maxBytes} bytes.`);
  if (got.contentLength > maxBytes) {
    got.body.destroy();
    throw tooBig();
  }
  let n = 0;
  let over = false;
  const limit = new Transform({
    transform(chunk: Buffer, _e, cb) {
      n += chunk.length;
      if (n > maxBytes) {
        over = true;
        cb(new Error('archive too large'));
      } else cb(null, chunk);
    },
  });
  try {
    await pipeline(got.body, limit, createWriteStream(file, { flags: 'wx', mode: 0o600 }), { signal });
  } catch (err) {
    if (over) throw tooBig();
    throw err;
  }
}

async function importEntries(d: ImportDeps, data: ImportData, ctx: JobCtx, zip: ZipFile, createdBy: string | null): Promise<ImportResult> {
  const { config } = d;
  if (zip.entryCount > config.maxEntries) {
    throw new JobFailure('archive_too_many_entries', `The archive has ${zip.entryCount} entries; at most ${config.maxEntries} are accepted. Nothing was imported.`);
  }
  const rejected = new RejectionList();
  const candidates: Candidate[] = [];
  let metadataEntry: Entry | undefined;

  // Pass 1: the central directory only. Names, kinds and declared sizes are judged before any data is read.
  let index = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      const i = index++;
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
      const problem = entryNameProblem(name);
      if (problem) {
        rejected.add(name, problem);
        continue;
      }
      if (isSymlink(entry.versionMadeBy, entry.externalFileAttributes)) {
        rejected.add(name, 'the entry is a symbolic link');
        continue;
      }
      if (isDirectory(name, entry.versionMadeBy, entry.externalFileAttributes)) continue;
      if (name === 'metadata.json') {
        metadataEntry = entry;
        continue;
      }
      if (DESCRIPTOR_ENTRIES.has(name)) continue;
      if (entry.isEncrypted()) {
        rejected.add(name, 'the entry is encrypted');
        continue;
      }
      const declared = declaredProblem(entry.uncompressedSize, entry.compressedSize, config);
      if (declared) {
        rejected.add(name, declared);
        continue;
      }
      candidates.push({ index: i, name, entry });
    }
  } catch (err) {
    throw new JobFailure('archive_invalid', `The file is not a readable ZIP archive: ${msg(err)}.`);
  }

  const known = metadataEntry ? await readMetadata(zip, metadataEntry, config, rejected) : new Map<string, KnownItem>();

  // Pass 2: the data, one entry at a time.
  let imported = 0;
  let totalBytes = 0;
  let budgetSpent = false;
  let lastProgress = -1;
  let lastAt = 0;
  const progress = async (done: number) => {
    const p = candidates.length === 0 ? 1 : done / candidates.length;
    if (p < 1 && p - lastProgress < 0.05 && Date.now() - lastAt < 500) return;
    lastProgress = p;
    lastAt = Date.now();
    await ctx.publish('job.progress', { workspaceId: data.workspaceId, jobId: ctx.jobId, kind: 'import', progress: p }).catch(() => undefined);
  };
  await progress(0);
  for (const [n, c] of candidates.entries()) {
    ctx.signal.throwIfAborted();
    if (budgetSpent) {
      rejected.add(c.name, `not imported: the archive's total uncompressed size limit (${config.maxTotalBytes} bytes) was reached`);
      continue;
    }
    try {
      const r = await importOne(d, data, ctx, zip, c, known.get(c.name), totalBytes, createdBy);
      totalBytes += r.bytes;
      imported++;
    } catch (err) {
      if (err instanceof EntryRejected) {
        rejected.add(c.name, err.message);
        if (err instanceof BudgetSpent) budgetSpent = true;
      } else if (isEntryDataError(err)) {
        rejected.add(c.name, `the entry is corrupt: ${msg(err)}`);
      } else {
        // A transient problem (bucket, database): the job is retried, and already imported entries are skipped.
        throw err;
      }
    }
    await progress(n + 1);
  }
  await progress(candidates.length);
  ctx.log.info({ imported, rejected: rejected.count }, 'archive imported');
  return { imported, rejected: rejected.toResult() };
}

/** Errors that come from the archive's bytes (inflate, sizes, CRC), not from the bucket or database. */
function isEntryDataError(err: unknown): boolean {
  const m = msg(err);
  const code = (err as { code?: unknown } | null)?.code;
  return (
    (typeof code === 'string' && code.startsWith('Z_')) ||
    /too many bytes in the stream|not enough bytes in the stream|invalid (local file header|compression method)|unsupported compression|CRC-32|incorrect header check|invalid (block|distance|code|stored)|unexpected end of file|compressed\/uncompressed size mismatch|encrypted/i.test(m)
  );
}

async function readMetadata(zip: ZipFile, entry: Entry, config: ImportConfig, rejected: RejectionList): Promise<Map<string, KnownItem>> {
  if (entry.uncompressedSize > config.maxMetadataBytes) {
    rejected.add('metadata.json', `ignored: it is larger than ${config.maxMetadataBytes} bytes`);
    return new Map();
  }
  try {
    const stream = await zip.openReadStreamPromise(entry);
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      n += chunk.length;
      if (n > config.maxMetadataBytes) {
        stream.destroy();
        throw new Error(`larger than ${config.maxMetadataBytes} bytes`);
      }
      chunks.push(chunk);
    }
    const parsed = exportMetadataSchema.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    if (!parsed.success) {
      rejected.add('metadata.json', 'ignored: it is not a bigapp export description; entries are imported under their own names');
      return new Map();
    }
    return indexMetadata(parsed.data);
  } catch (err) {
    rejected.add('metadata.json', `ignored: ${msg(err)}`);
    return new Map();
  }
}

async function importOne(
  d: ImportDeps,
  data: ImportData,
  ctx: JobCtx,
  zip: ZipFile,
  c: Candidate,
  known: KnownItem | undefined,
  totalSoFar: number,
  createdBy: string | null,
): Promise<{ bytes: number }> {
  const { bucket, config } = d;
  let stream: Readable;
  try {
    stream = await zip.openReadStreamPromise(c.entry);
  } catch (err) {
    throw new EntryRejected(`the entry cannot be read: ${msg(err)}`);
  }
  const budget = new StreamBudget(config, c.entry.compressedSize, totalSoFar);
  const it = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  try {
    // The first bytes decide the type; nothing is stored before that.
    const head: Buffer[] = [];
    let headLen = 0;
    let ended = false;
    while (headLen < SNIFF_BYTES) {
      const r = await it.next();
      if (r.done) {
        ended = true;
        break;
      }
      budget.add(r.value.length);
      head.push(r.value);
      headLen += r.value.length;
    }
    const headBuf = Buffer.concat(head);
    if (headBuf.length === 0) throw new EntryRejected('the entry is empty');
    const type = await fileTypeFromBuffer(headBuf);
    if (!type || !ACCEPTED_MIME.has(type.mime)) {
      throw new EntryRejected(type ? `not an accepted image: the bytes are ${type.mime}` : 'not an image: the bytes are not a recognised image format');
    }

    const mediaId = importedMediaId(ctx.jobId, c.index);
    const key = originalKey(data.workspaceId, mediaId);
    const hash = createHash('sha256');
    let crc = 0;
    const body = Readable.from(
      (async function* () {
        hash.update(headBuf);
        crc = crc32(headBuf, crc);
        yield headBuf;
        if (ended) return;
        for (;;) {
          const r = await it.next();
          if (r.done) return;
          budget.add(r.value.length);
          hash.update(r.value);
          crc = crc32(r.value, crc);
          yield r.value;
        }
      })(),
      { objectMode: false },
    );
    try {
      await bucket.put(key, body, { contentType: type.mime });
      if ((crc >>> 0) !== (c.entry.crc32 >>> 0)) throw new EntryRejected('the entry is corrupt: its CRC-32 does not match');
      const sha256 = hash.digest('hex');
      if (known?.sha256 && known.sha256 !== sha256) throw new EntryRejected('the bytes do not match the SHA-256 recorded in metadata.json');
      const filename = known?.filename ?? basenameOf(c.name);
      await d.ledger.transaction(async (trx, jobs) => {
        const job = await jobs.enqueue('image', 'thumbnail', { workspaceId: data.workspaceId, mediaId, key }, { workspaceId: data.workspaceId, idempotencyKey: `import:${mediaId}` });
        // A redelivered import finds the job (and so the row) already there.
        if (!job.created) return;
        await trx
          .insertInto('media')
          .values({
            id: mediaId,
            workspace_id: data.workspaceId,
            filename,
            content_type: type.mime,
            size: budget.bytes,
            sha256,
            original_key: key,
            status: 'processing',
            job_id: job.id,
            created_by: createdBy,
          })
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
      });
      return { bytes: budget.bytes };
    } catch (err) {
      // Whatever stopped this entry, its original must not stay behind.
      await bucket.delete(key).catch(() => undefined);
      throw unwrap(err);
    }
  } finally {
    stream.destroy();
  }
}

/** A rejection thrown inside the body generator reaches put() wrapped (or as the cause); find it. */
function unwrap(err: unknown): unknown {
  let e: unknown = err;
  for (let i = 0; i < 5 && e; i++) {
    if (e instanceof EntryRejected) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return err;
}
