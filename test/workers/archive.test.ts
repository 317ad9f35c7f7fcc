import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBus, type Bus, type Cache, type Consumer } from '@bigapp/kit';
import { migrate, migrations, openDatabase, type DatabaseHandle } from '@bigapp/kit/db';
import { JobLedger } from '@bigapp/kit/ledger';
import { openLocalBucket, type Bucket } from '@bigapp/kit/storage';
import { parseExportConfig } from '../../services/export/src/config.js';
import { runExport, sweepExpiredExports, type ExportDeps } from '../../services/export/src/export-workspace.js';
import { parseImportConfig, type ImportConfig } from '../../services/import/src/config.js';
import { runImport, type ImportDeps } from '../../services/import/src/import-archive.js';
import { parseImageConfig } from '../../services/image/src/config.js';
import { makeThumbnails } from '../../services/image/src/thumbnail.js';
import { findPostgres } from '../support/servers.js';
import { until } from '../support/bus.js';
import { throwawayDatabase } from '../db/helpers.js';
import { fakeJob, fixtures, getBytes, makeZip, readZip, silent } from './fixtures.js';

/** Export then import over real PostgreSQL, a folder bucket and the in-process bus with an image worker. */
const pg = await findPostgres();

describe.skipIf(!pg.url)('export and import (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof throwawayDatabase>>;
  let handle: DatabaseHandle;
  let dir: string;
  let bucket: Bucket;
  let conn: { bus: Bus; cache: Cache };
  let ledger: JobLedger;
  let worker: Consumer;
  let exportDeps: ExportDeps;
  let importDeps: ImportDeps;
  let userId: string;
  let files: Record<string, Buffer>;

  beforeAll(async () => {
    database = await throwawayDatabase(pg.url!);
    handle = await openDatabase({ url: database.url, poolMax: 10, statementTimeoutMs: 30_000, connectTimeoutMs: 5_000, connectRetries: 2 } as never, silent);
    await migrate(handle.db, migrations, silent);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bigapp-archive-test-'));
    await fs.mkdir(path.join(dir, 'tmp'));
    bucket = await openLocalBucket({ dir: path.join(dir, 'bucket') });
    conn = openBus({ log: silent, settings: { backoffBaseMs: 10 } });
    ledger = new JobLedger(handle.db, conn.bus, { log: silent, reconcileAfterMs: 60_000, intervalMs: 60_000 });
    await ledger.start(['image']);
    const imageDeps = { bucket, config: parseImageConfig({}) };
    worker = await conn.bus.work({ service: 'image', handlers: { thumbnail: { handler: (d: never, c) => makeThumbnails(imageDeps, d, c) } }, concurrency: 2 });
    exportDeps = { bucket, db: handle, config: parseExportConfig({}), log: silent };
    importDeps = { bucket, db: handle, ledger, config: parseImportConfig({ IMPORT_TMP_DIR: path.join(dir, 'tmp') }) };
    userId = (await handle.db.insertInto('users').values({ username: 'exporter', password_hash: 'x' }).returning('id').executeTakeFirstOrThrow()).id;
    files = await fixtures();
  });

  afterAll(async () => {
    await conn?.bus.stopConsumer(worker, 0);
    await ledger?.stop();
    await conn?.bus.close();
    await conn?.cache.close();
    await bucket?.close();
    await handle?.close();
    await database?.drop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const newWorkspace = async (name: string) => {
    const ws = await handle.db.insertInto('workspaces').values({ name, created_by: userId }).returning('id').executeTakeFirstOrThrow();
    await handle.db.insertInto('memberships').values({ workspace_id: ws.id, user_id: userId, role: 'owner' }).execute();
    return ws.id;
  };

  /** What the web service does on upload: the original in the bucket and a row. */
  const upload = async (workspaceId: string, filename: string, bytes: Buffer, contentType: string) => {
    const id = randomUUID();
    const key = `originals/${workspaceId}/${id}`;
    await bucket.put(key, bytes, { contentType });
    await handle.db
      .insertInto('media')
      .values({ id, workspace_id: workspaceId, filename, content_type: contentType, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), original_key: key, status: 'ready', width: 10, height: 20, format: 'jpeg', created_by: userId })
      .execute();
    return id;
  };

  const rowsOf = (workspaceId: string) =>
    handle.db.selectFrom('media').selectAll().where('workspace_id', '=', workspaceId).orderBy('filename').execute();

  it('exports a workspace to a ZIP: originals byte-identical, metadata.json, items.ndjson, progress', async () => {
    const A = await newWorkspace('Holiday 2024');
    const uploads: [string, string, string][] = [
      ['Beach day.jpg', 'photo.jpg', 'image/jpeg'],
      ['diagram.png', 'image.png', 'image/png'],
      ['weird/name:"x".webp', 'image.webp', 'image/webp'],
      ['anim.gif', 'anim.gif', 'image/gif'],
    ];
    const ids: string[] = [];
    for (const [filename, fixture, type] of uploads) ids.push(await upload(A, filename, files[fixture]!, type));
    // An item whose original vanished (deleted meanwhile) is left out, not a failure.
    const gone = await upload(A, 'gone.jpg', files['plain.jpg']!, 'image/jpeg');
    await bucket.delete(`originals/${A}/${gone}`);

    const job = fakeJob();
    const r = await runExport(exportDeps, { workspaceId: A, requestedBy: userId }, job);
    expect(r.key).toBe(`exports/${A}/${job.jobId}.zip`);
    expect(r.items).toBe(4);
    expect(Date.parse(r.expiresAt) - Date.now()).toBeGreaterThan(23 * 3600_000);
    const zipBytes = await getBytes(bucket, r.key);
    expect(r.bytes).toBe(zipBytes.length);
    expect((await bucket.head(r.key))?.contentType).toBe('application/zip');

    const entries = await readZip(zipBytes);
    const meta = JSON.parse(entries.get('metadata.json')!.toString('utf8'));
    expect(meta).toMatchObject({ format: 'bigapp.export', version: 1, workspace: { id: A, name: 'Holiday 2024' } });
    expect(meta.items).toHaveLength(4);
    for (const [i, [filename, fixture, type]] of uploads.entries()) {
      const item = meta.items.find((it: { id: string }) => it.id === ids[i]);
      expect(item).toMatchObject({ filename, contentType: type, size: files[fixture]!.length, width: 10, height: 20, format: 'jpeg' });
      expect(item.entry).toMatch(new RegExp(`^originals/${ids[i]}-[^/\\\\:"]+$`));
      expect(entries.get(item.entry)!.equals(files[fixture]!)).toBe(true);
      expect(item.sha256).toBe(createHash('sha256').update(files[fixture]!).digest('hex'));
    }
    expect(meta.items.some((it: { id: string }) => it.id === gone)).toBe(false);
    expect(entries.get(`originals/${ids[2]}-weird_name__x_.webp`)).toBeDefined();
    const lines = entries.get('items.ndjson')!.toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    for (const l of lines) {
      expect(l.workspaceId).toBe(A);
      // Flat: every value a scalar (a warehouse column).
      for (const v of Object.values(l)) expect(v === null || typeof v !== 'object').toBe(true);
    }
    const progress = job.published.map((p) => (p.payload as { progress: number }).progress);
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(1);
    expect(job.published.every((p) => p.event === 'job.progress' && (p.payload as { kind: string }).kind === 'export')).toBe(true);

    // ...and importing that archive into a new workspace reproduces the items.
    const B = await newWorkspace('Copy');
    const importKey = `imports/${B}/${randomUUID()}.zip`;
    await bucket.put(importKey, zipBytes, { contentType: 'application/zip' });
    const ij = fakeJob();
    const ir = await runImport(importDeps, { workspaceId: B, key: importKey, requestedBy: userId }, ij);
    expect(ir).toEqual({ imported: 4, rejected: [] });
    const [fromA, fromB] = [await rowsOf(A), await rowsOf(B)];
    const present = fromA.filter((row) => row.id !== gone);
    expect(fromB.map((row) => row.filename)).toEqual(present.map((row) => row.filename));
    for (const [i, row] of fromB.entries()) {
      expect(row).toMatchObject({ status: 'processing', sha256: present[i]!.sha256, size: present[i]!.size, content_type: present[i]!.content_type, created_by: userId });
      expect(row.original_key).toBe(`originals/${B}/${row.id}`);
      expect((await getBytes(bucket, row.original_key)).equals(await getBytes(bucket, present[i]!.original_key))).toBe(true);
      expect(row.job_id).toBeTruthy();
    }
    // The uploaded archive is gone once imported; the thumbnail jobs were recorded durably and ran.
    expect(await bucket.head(importKey)).toBeNull();
    await until(async () => (await handle.db.selectFrom('jobs').select('status').where('workspace_id', '=', B).execute()).every((j) => j.status === 'succeeded'), 20_000, 'thumbnail jobs to succeed');
    const jobs = await handle.db.selectFrom('jobs').selectAll().where('workspace_id', '=', B).execute();
    expect(jobs).toHaveLength(4);
    for (const j of jobs) {
      const row = fromB.find((m) => m.job_id === j.id)!;
      expect(j).toMatchObject({ service: 'image', type: 'thumbnail', payload: { workspaceId: B, mediaId: row.id, key: row.original_key } });
      expect((j.result as { thumbnails: { small: string } }).thumbnails.small).toMatch(new RegExp(`^thumbs/${B}/${row.id}-`));
    }
    expect(ij.published.at(-1)?.payload).toMatchObject({ kind: 'import', progress: 1 });

    // A redelivered import (same job id) imports nothing twice.
    await bucket.put(importKey, zipBytes);
    expect(await runImport(importDeps, { workspaceId: B, key: importKey, requestedBy: userId }, fakeJob(ij.jobId))).toEqual({ imported: 4, rejected: [] });
    expect(await rowsOf(B)).toHaveLength(4);
    expect(await fs.readdir(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('refuses zip-slip, symlinks, bombs, liars and non-images one by one, and writes nothing outside the bucket', async () => {
    const C = await newWorkspace('Hostile');
    const zeros = Buffer.alloc(30 * 1024 * 1024);
    const liar = Buffer.concat([files['plain.jpg']!, Buffer.alloc(5 * 1024 * 1024)]);
    const zip = await makeZip(
      [
        { name: 'good.jpg', data: files['plain.jpg']! },
        { name: 'xx/xx/evil.jpg', data: files['plain.jpg']! },
        { name: 'Xetc/x.jpg', data: files['plain.jpg']! },
        { name: 'C_/win.jpg', data: files['plain.jpg']! },
        { name: 'dir_sub.jpg', data: files['plain.jpg']! },
        { name: 'link.jpg', data: Buffer.from('/etc/passwd'), mode: 0o120777 },
        { name: 'bomb.jpg', data: zeros },
        { name: 'liar.jpg', data: liar },
        { name: 'notes.txt', data: Buffer.from('hello') },
        { name: 'fake.jpg', data: files['text.jpg']! },
        { name: 'drawing.svg', data: files['drawing.jpg']! },
        { name: 'empty.jpg', data: Buffer.alloc(0) },
        { name: 'folder/', data: Buffer.alloc(0) },
        { name: 'nested/ok.png', data: files['image.png']! },
      ],
      [['xx/xx/evil.jpg', '../../evil.jpg'], ['Xetc/x.jpg', '/etc/x.jpg'], ['C_/win.jpg', 'C:/win.jpg'], ['dir_sub.jpg', 'dir\\sub.jpg']],
    );
    const patched = lieAboutSize(zip, 'liar.jpg', 10_000);
    const key = `imports/${C}/hostile.zip`;
    await bucket.put(key, patched);
    const r = await runImport(importDeps, { workspaceId: C, key, requestedBy: userId }, fakeJob());
    const reasons = Object.fromEntries(r.rejected.map((x) => [x.entry, x.reason]));
    if (process.env.SHOW_REASONS) console.log(reasons);
    expect(r.imported).toBe(2);
    expect(reasons['../../evil.jpg']).toMatch(/path traversal/);
    expect(reasons['/etc/x.jpg']).toMatch(/absolute path/);
    expect(reasons['C:/win.jpg']).toMatch(/absolute path/);
    expect(reasons['dir\\sub.jpg']).toMatch(/backslash/);
    expect(reasons['link.jpg']).toMatch(/symbolic link/);
    expect(reasons['bomb.jpg']).toMatch(/compression ratio \d+:1 is over the limit of 100:1 \(zip bomb\)/);
    expect(reasons['liar.jpg']).toMatch(/corrupt|ratio|inflat/);
    expect(reasons['notes.txt']).toMatch(/not an image/);
    expect(reasons['fake.jpg']).toMatch(/not an image/);
    expect(reasons['drawing.svg']).toMatch(/not an accepted image: the bytes are application\/xml/);
    expect(reasons['empty.jpg']).toMatch(/empty/);
    expect(Object.keys(reasons)).toHaveLength(11);
    expect((await rowsOf(C)).map((m) => m.filename)).toEqual(['good.jpg', 'ok.png']);

    // Nothing outside the bucket, and in the bucket only the two originals (no partial of a refused entry).
    const bucketDir = path.join(dir, 'bucket');
    for (const p of [path.resolve(bucketDir, '../../evil.jpg'), path.resolve(dir, '../evil.jpg'), path.join(os.tmpdir(), 'evil.jpg'), '/etc/x.jpg', '/win.jpg']) {
      await expect(fs.access(p)).rejects.toThrow();
    }
    const keys: string[] = [];
    for await (const o of bucket.list(`originals/${C}/`)) keys.push(o.key);
    expect(keys.sort()).toEqual((await rowsOf(C)).map((m) => m.original_key).sort());
    expect(await fs.readdir(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('stops at the archive-wide limits: total size, entry count, not a ZIP at all', async () => {
    const D = await newWorkspace('Limits');
    const put = async (name: string, bytes: Buffer) => {
      const key = `imports/${D}/${name}`;
      await bucket.put(key, bytes);
      return key;
    };
    const small = (cfg: Partial<Record<string, string>>): ImportDeps => ({ ...importDeps, config: { ...importDeps.config, ...parseImportConfig(cfg as Record<string, string>), tmpDir: path.join(dir, 'tmp') } as ImportConfig });
    const three = await makeZip(['a.jpg', 'b.jpg', 'c.jpg'].map((name) => ({ name, data: files['plain.jpg']! })));

    const total = await runImport(small({ IMPORT_MAX_TOTAL_BYTES: String(files['plain.jpg']!.length * 2 + 10) }), { workspaceId: D, key: await put('t.zip', three), requestedBy: userId }, fakeJob());
    expect(total.imported).toBe(2);
    expect(total.rejected).toEqual([{ entry: 'c.jpg', reason: expect.stringMatching(/total uncompressed size passed the limit/) }]);

    const many = await runImport(small({ IMPORT_MAX_ENTRIES: '2' }), { workspaceId: D, key: await put('m.zip', three), requestedBy: userId }, fakeJob()).catch((e: unknown) => e);
    expect(many).toMatchObject({ name: 'JobFailure', code: 'archive_too_many_entries', message: 'The archive has 3 entries; at most 2 are accepted. Nothing was imported.' });

    const notZip = await runImport(importDeps, { workspaceId: D, key: await put('n.zip', files['plain.jpg']!), requestedBy: userId }, fakeJob()).catch((e: unknown) => e);
    expect(notZip).toMatchObject({ name: 'JobFailure', code: 'archive_invalid' });
    expect((notZip as Error).message).toMatch(/^The file is not a readable ZIP archive: /);

    const missing = await runImport(importDeps, { workspaceId: D, key: `imports/${D}/never.zip`, requestedBy: userId }, fakeJob()).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'archive_missing' });
    expect(await rowsOf(D)).toHaveLength(2);
    expect(await fs.readdir(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('sweeps export archives older than the TTL', async () => {
    await bucket.put('exports/x/old.zip', Buffer.from('zip'));
    await bucket.put('backups/keep.tar', Buffer.from('b'));
    expect(await sweepExpiredExports(bucket, 3_600_000)).toBe(0);
    expect(await sweepExpiredExports(bucket, 3_600_000, Date.now() + 2 * 3_600_000)).toBeGreaterThanOrEqual(1);
    expect(await bucket.head('exports/x/old.zip')).toBeNull();
    expect(await bucket.head('backups/keep.tar')).not.toBeNull();
  });
});

/** Rewrites an entry's uncompressed size in the central directory (a hostile archive that lies). */
function lieAboutSize(zip: Buffer, name: string, size: number): Buffer {
  const out = Buffer.from(zip);
  const n = Buffer.from(name);
  const first = out.indexOf(n);
  const cd = out.indexOf(n, first + 1); // the second occurrence is the central directory's
  const header = cd - 46;
  if (out.readUInt32LE(header) !== 0x02014b50) throw new Error('central directory header not found');
  out.writeUInt32LE(size, header + 24);
  return out;
}
