import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ImportConfig } from './config.js';

/**
 * The import service's decisions, without I/O: which entries are refused and
 * why, the limits checked while bytes stream, how new items are named.
 */

export const ACCEPTED_MIME = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/tiff']);

/** Entries of an export archive that describe it rather than hold items. */
export const DESCRIPTOR_ENTRIES = new Set(['metadata.json', 'items.ndjson']);

/** Bytes file-type needs to recognise every accepted format. */
export const SNIFF_BYTES = 4100;

/** A refusal of one entry, with the reason a person reads in the job result. */
export class EntryRejected extends Error {}

/** The archive's total budget is spent: this entry and every later one are refused. */
export class BudgetSpent extends EntryRejected {}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Null when the name is a plain relative path, else why it is refused. The
 * names are never used as paths on disk (items go to the bucket under new
 * keys), but an archive that tries zip-slip is hostile and says so.
 */
export function entryNameProblem(name: string): string | null {
  if (name === '') return 'the entry has an empty name';
  if (name.includes('\\')) return 'the name contains a backslash (a Windows path separator; possible path traversal)';
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) return 'the name is an absolute path (path traversal)';
  if (name.split('/').some((s) => s === '..')) return 'the name contains ".." (path traversal, "zip-slip")';
  if (CONTROL.test(name)) return 'the name contains control characters';
  if (name.length > 1024) return 'the name is longer than 1024 characters';
  return null;
}

/** Unix mode bits, when the entry was made on Unix (version made by, high byte 3). */
export function unixMode(versionMadeBy: number, externalFileAttributes: number): number | undefined {
  return versionMadeBy >> 8 === 3 ? (externalFileAttributes >>> 16) & 0xffff : undefined;
}

export function isSymlink(versionMadeBy: number, externalFileAttributes: number): boolean {
  const mode = unixMode(versionMadeBy, externalFileAttributes);
  return mode !== undefined && (mode & 0o170000) === 0o120000;
}

export function isDirectory(name: string, versionMadeBy: number, externalFileAttributes: number): boolean {
  if (name.endsWith('/')) return true;
  const mode = unixMode(versionMadeBy, externalFileAttributes);
  if (mode !== undefined && (mode & 0o170000) === 0o040000) return true;
  // MS-DOS directory attribute.
  return (externalFileAttributes & 0x10) !== 0 && versionMadeBy >> 8 === 0;
}

const fmtBytes = (n: number) => (n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} bytes`);

export type Limits = Pick<ImportConfig, 'maxEntryBytes' | 'maxTotalBytes' | 'maxRatio' | 'ratioMinBytes'>;

function ratioProblem(uncompressed: number, compressed: number, l: Limits): string | null {
  if (uncompressed <= l.ratioMinBytes) return null;
  const ratio = uncompressed / Math.max(1, compressed);
  if (ratio <= l.maxRatio) return null;
  return `the compression ratio ${Math.round(ratio)}:1 is over the limit of ${l.maxRatio}:1 (zip bomb)`;
}

/** What the central directory declares, checked before a byte is read. */
export function declaredProblem(uncompressed: number, compressed: number, l: Limits): string | null {
  if (uncompressed > l.maxEntryBytes) return `the entry is ${fmtBytes(uncompressed)} uncompressed, over the limit of ${fmtBytes(l.maxEntryBytes)}`;
  return ratioProblem(uncompressed, compressed, l);
}

/**
 * Counts the bytes that actually come out of an entry, since a hostile
 * archive can declare small sizes and inflate to more: every chunk is checked
 * against the entry, ratio and archive budgets before it goes anywhere.
 */
export class StreamBudget {
  private entryBytes = 0;
  constructor(private readonly l: Limits, private readonly compressedSize: number, private totalSoFar: number) {}

  add(n: number): void {
    this.entryBytes += n;
    this.totalSoFar += n;
    if (this.entryBytes > this.l.maxEntryBytes) throw new EntryRejected(`the entry inflates past the limit of ${fmtBytes(this.l.maxEntryBytes)}`);
    const ratio = ratioProblem(this.entryBytes, this.compressedSize, this.l);
    if (ratio) throw new EntryRejected(`${ratio.replace('the compression ratio', 'while inflating, the compression ratio reached')}`);
    if (this.totalSoFar > this.l.maxTotalBytes) throw new BudgetSpent(`the archive's total uncompressed size passed the limit of ${fmtBytes(this.l.maxTotalBytes)}`);
  }

  get bytes(): number {
    return this.entryBytes;
  }

  get total(): number {
    return this.totalSoFar;
  }
}

/**
 * The id of the item made from entry `index` of import job `jobId`: the same
 * every time, so a redelivered job finds (and skips) what it already
 * imported. An RFC 9562 version-8 (custom) UUID from a SHA-256.
 */
export function importedMediaId(jobId: string, index: number): string {
  const h = createHash('sha256').update(`bigapp-import:${jobId}:${index}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

export function originalKey(workspaceId: string, mediaId: string): string {
  return `originals/${workspaceId}/${mediaId}`;
}

/** The entry name's last segment, as a filename of at most 255 characters. */
export function basenameOf(entryName: string): string {
  const base = entryName.split('/').filter(Boolean).pop() ?? 'file';
  return base.length > 255 ? base.slice(0, 255) : base;
}

/** metadata.json as written by the export service; anything else is ignored. */
export const exportMetadataSchema = z.object({
  format: z.literal('bigapp.export'),
  version: z.number().int().min(1),
  items: z.array(
    z.looseObject({
      id: z.string(),
      filename: z.string().min(1).max(1024),
      sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
      entry: z.string().optional(),
    }),
  ),
});

export interface KnownItem {
  filename: string;
  sha256?: string;
}

/** Entry name → the item metadata.json says it is. */
export function indexMetadata(meta: z.output<typeof exportMetadataSchema>): Map<string, KnownItem> {
  const out = new Map<string, KnownItem>();
  for (const it of meta.items) {
    if (!it.entry) continue;
    out.set(it.entry, { filename: it.filename.slice(0, 255), ...(it.sha256 ? { sha256: it.sha256 } : {}) });
  }
  return out;
}

/** Job results travel on the bus (1 MiB messages): list this many rejections, then one summary line. */
export const MAX_LISTED_REJECTIONS = 200;

export interface Rejection {
  entry: string;
  reason: string;
}

export class RejectionList {
  readonly listed: Rejection[] = [];
  private more = 0;

  add(entry: string, reason: string): void {
    if (this.listed.length < MAX_LISTED_REJECTIONS) this.listed.push({ entry: entry.length > 300 ? `${entry.slice(0, 300)}…` : entry, reason });
    else this.more++;
  }

  get count(): number {
    return this.listed.length + this.more;
  }

  toResult(): Rejection[] {
    return this.more ? [...this.listed, { entry: '…', reason: `${this.more} more entries were rejected (not listed)` }] : this.listed;
  }
}
