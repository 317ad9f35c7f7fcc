import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { pixelLimitReason, readableDecodeError, recordedFormat, sniffTextKind, thumbnailKey, unsupportedTypeReason } from '../../services/image/src/rules.js';
import { ProgressThrottle, expiredKeys, exportKey, itemOf, ndjsonLine, originalEntryName, safeFilename, metadataJson } from '../../services/export/src/layout.js';
import { parseExportConfig } from '../../services/export/src/config.js';
import { parseImportConfig } from '../../services/import/src/config.js';
import {
  BudgetSpent,
  EntryRejected,
  MAX_LISTED_REJECTIONS,
  RejectionList,
  StreamBudget,
  basenameOf,
  declaredProblem,
  entryNameProblem,
  importedMediaId,
  isDirectory,
  isSymlink,
} from '../../services/import/src/rules.js';

/** The workers' pure decisions (no I/O). */
const MiB = 1024 * 1024;
const limits = { maxEntryBytes: 10 * MiB, maxTotalBytes: 25 * MiB, maxRatio: 100, ratioMinBytes: MiB };

describe('import entry rules', () => {
  it.each([
    ['photos/a.jpg', null],
    ['a..b.jpg', null],
    ['../evil.jpg', /path traversal/],
    ['a/../../evil.jpg', /path traversal/],
    ['/etc/passwd', /absolute/],
    ['C:/x.jpg', /absolute/],
    ['a\\..\\b.jpg', /backslash/],
    ['a\u0000.jpg', /control/],
    ['', /empty/],
  ])('%j → %s', (name, expected) => {
    const p = entryNameProblem(name);
    if (expected === null) expect(p).toBeNull();
    else expect(p).toMatch(expected);
  });

  it('recognises symlinks and directories from the attributes', () => {
    expect(isSymlink(3 << 8, (0o120777 << 16) >>> 0)).toBe(true);
    expect(isSymlink(3 << 8, (0o100644 << 16) >>> 0)).toBe(false);
    expect(isSymlink(0, (0o120777 << 16) >>> 0)).toBe(false); // not made on Unix: no mode bits
    expect(isDirectory('a/', 0, 0)).toBe(true);
    expect(isDirectory('a', 3 << 8, (0o040755 << 16) >>> 0)).toBe(true);
    expect(isDirectory('a', 0, 0x10)).toBe(true);
  });

  it('judges declared sizes: per entry, and the ratio only above its floor', () => {
    expect(declaredProblem(11 * MiB, 11 * MiB, limits)).toMatch(/over the limit of 10.0 MiB/);
    expect(declaredProblem(5 * MiB, 1000, limits)).toMatch(/ratio \d+:1 is over the limit of 100:1 \(zip bomb\)/);
    expect(declaredProblem(500_000, 10, limits)).toBeNull(); // tiny files compress well legitimately
    expect(declaredProblem(5 * MiB, 4 * MiB, limits)).toBeNull();
  });

  it('counts what really inflates: entry size, ratio and archive budget', () => {
    const ratio = new StreamBudget(limits, 10_000, 0);
    expect(() => { for (let i = 0; i < 20; i++) ratio.add(64 * 1024); }).toThrow(EntryRejected);
    expect(() => new StreamBudget(limits, 10 * MiB, 0).add(10 * MiB + 1)).toThrow(/inflates past the limit/);
    const budget = new StreamBudget(limits, 5 * MiB, 24 * MiB);
    expect(() => budget.add(2 * MiB)).toThrow(BudgetSpent);
    const fine = new StreamBudget(limits, 2 * MiB, 0);
    fine.add(2 * MiB);
    expect([fine.bytes, fine.total]).toEqual([2 * MiB, 2 * MiB]);
  });

  it('gives a redelivered job the same media ids, valid UUIDs', () => {
    const a = importedMediaId('job-1', 3);
    expect(importedMediaId('job-1', 3)).toBe(a);
    expect(importedMediaId('job-1', 4)).not.toBe(a);
    expect(importedMediaId('job-2', 3)).not.toBe(a);
    expect(z.uuid().safeParse(a).success).toBe(true);
  });

  it('keeps the job result small: lists 200 rejections, then a summary', () => {
    const l = new RejectionList();
    for (let i = 0; i < 250; i++) l.add(`e${i}`, 'r');
    const out = l.toResult();
    expect(out).toHaveLength(MAX_LISTED_REJECTIONS + 1);
    expect(out.at(-1)).toEqual({ entry: '…', reason: '50 more entries were rejected (not listed)' });
    expect(l.count).toBe(250);
    expect(basenameOf('a/b/c.jpg')).toBe('c.jpg');
  });

  it('parses its limits, naming a bad variable', () => {
    expect(parseImportConfig({}).maxRatio).toBe(100);
    expect(parseImportConfig({ IMPORT_DELETE_ARCHIVE: 'false' }).deleteArchive).toBe(false);
    expect(() => parseImportConfig({ IMPORT_MAX_ENTRIES: '0' })).toThrow(/IMPORT_MAX_ENTRIES: expected an integer from 1/);
  });
});

describe('export layout', () => {
  it('names entries safely and keeps the extension', () => {
    expect(safeFilename('../../etc/passwd')).toBe('__.._etc_passwd');
    expect(safeFilename('a:b*c?.jpg')).toBe('a_b_c_.jpg');
    expect(safeFilename('   ')).toBe('file');
    expect(safeFilename(`${'x'.repeat(300)}.jpeg`)).toMatch(/^x{115}\.jpeg$/);
    expect(safeFilename('Ünïcødé 照片.png')).toBe('Ünïcødé 照片.png');
    expect(originalEntryName('id', 'a/b.jpg')).toBe('originals/id-a_b.jpg');
    expect(exportKey('w', 'j')).toBe('exports/w/j.zip');
  });

  it('writes valid metadata.json in pieces and flat NDJSON rows', () => {
    const item = itemOf({ id: 'i', filename: 'f.jpg', content_type: 'image/jpeg', size: '12', sha256: 'h', width: 1, height: 2, format: 'jpeg', created_at: new Date(0), original_key: 'k' });
    expect(item.size).toBe(12);
    expect(JSON.parse([...metadataJson({ id: 'w', name: 'n' }, 'now', [item, item])].join(''))).toMatchObject({ format: 'bigapp.export', items: [item, item] });
    expect(JSON.parse([...metadataJson({ id: 'w', name: 'n' }, 'now', [])].join('')).items).toEqual([]);
    expect(JSON.parse(ndjsonLine('w', 'now', item))).toEqual({ workspaceId: 'w', exportedAt: 'now', ...item });
  });

  it('expires archives older than the TTL, only under exports/', () => {
    const now = 10_000_000;
    expect(expiredKeys([{ key: 'exports/a.zip', lastModified: new Date(now - 5000) }, { key: 'exports/b.zip', lastModified: new Date(now - 500) }, { key: 'backups/c', lastModified: new Date(0) }], now, 1000)).toEqual(['exports/a.zip']);
    expect(parseExportConfig({}).ttlMs).toBe(86_400_000);
    expect(() => parseExportConfig({ EXPORT_TTL_MS: '5' })).toThrow(/EXPORT_TTL_MS/);
  });

  it('throttles progress to every 5 % or 500 ms, always reporting the end', () => {
    let t = 0;
    const p = new ProgressThrottle(0.05, 500, () => t);
    expect(p.next(0, 100)).toBe(0);
    expect(p.next(1, 100)).toBeUndefined();
    expect(p.next(5, 100)).toBe(0.05);
    t = 600;
    expect(p.next(6, 100)).toBe(0.06);
    expect(p.next(100, 100)).toBe(1);
    expect(p.next(100, 100)).toBeUndefined();
  });
});

describe('image rules', () => {
  it('names thumbnails by content, per item', () => {
    expect(thumbnailKey('w', 'm', 'ab', 256)).toBe('thumbs/w/m-ab-256.webp');
  });

  it('records AVIF as avif and refuses other HEIF and unknown formats', () => {
    expect(recordedFormat('heif', 'av1')).toBe('avif');
    expect(recordedFormat('heif', 'hevc')).toBeUndefined();
    expect(recordedFormat('svg', undefined)).toBeUndefined();
    expect(recordedFormat('jpeg', undefined)).toBe('jpeg');
  });

  it('explains refusals in one readable sentence', () => {
    expect(pixelLimitReason(8000, 8000, 1, 50_000_000)).toBe('The image is too large to process: 8000 × 8000 pixels (64 Mpx) is over the limit of 50 Mpx.');
    expect(pixelLimitReason(7000, 7000, 1, 50_000_000)).toBeNull();
    expect(readableDecodeError(new Error('Input file has corrupt header: VipsJpeg: premature end of JPEG image\nVipsJpeg: more'))).toBe('The file is not a readable image: it has corrupt header: VipsJpeg: premature end of JPEG image');
    expect(unsupportedTypeReason('application/pdf')).toMatch(/it is application\/pdf, and only JPEG/);
    expect(unsupportedTypeReason(undefined, sniffTextKind(Buffer.from('  <svg xmlns="x"/>')))).toMatch(/an SVG drawing/);
  });
});
