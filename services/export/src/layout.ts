/**
 * What an export archive looks like, without I/O. The import service reads
 * the same layout back (services/import/src/rules.ts).
 *
 *   originals/<mediaId>-<safe filename>   the uploaded bytes, stored (not recompressed)
 *   metadata.json                         { format, version, workspace, exportedAt, items: [...] }
 *   items.ndjson                          one flat JSON object per item (BigQuery / warehouse loadable)
 */

export const EXPORT_FORMAT = 'bigapp.export';
export const EXPORT_VERSION = 1;
export const EXPORTS_PREFIX = 'exports/';

export function exportKey(workspaceId: string, jobId: string): string {
  return `${EXPORTS_PREFIX}${workspaceId}/${jobId}.zip`;
}

// Separators, Windows-reserved characters and controls; the rest of Unicode is kept.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f/\\:*?"<>|]/g;

/** A file name safe inside a ZIP on any OS: no path, no reserved characters, at most 120 characters, extension kept. */
export function safeFilename(name: string): string {
  let s = name.normalize('NFC').replace(UNSAFE, '_').trim().replace(/^\.+/, '_');
  if (s === '' || s === '_') s = 'file';
  if (s.length > 120) {
    const dot = s.lastIndexOf('.');
    const ext = dot > 0 && s.length - dot <= 10 ? s.slice(dot) : '';
    s = s.slice(0, 120 - ext.length) + ext;
  }
  return s;
}

export function originalEntryName(mediaId: string, filename: string): string {
  return `originals/${mediaId}-${safeFilename(filename)}`;
}

/** A media row as the export reads it. */
export interface ExportRow {
  id: string;
  filename: string;
  content_type: string;
  size: number | string;
  sha256: string;
  width: number | null;
  height: number | null;
  format: string | null;
  created_at: Date;
  original_key: string;
}

export interface ExportItem {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  width: number | null;
  height: number | null;
  format: string | null;
  createdAt: string;
  /** Where the bytes are in the archive. */
  entry: string;
}

export function itemOf(row: ExportRow): ExportItem {
  return {
    id: row.id,
    filename: row.filename,
    contentType: row.content_type,
    size: Number(row.size),
    sha256: row.sha256,
    width: row.width,
    height: row.height,
    format: row.format,
    createdAt: row.created_at.toISOString(),
    entry: originalEntryName(row.id, row.filename),
  };
}

/** One items.ndjson line: flat, scalar columns only, so `bq load --source_format=NEWLINE_DELIMITED_JSON --autodetect` takes it. */
export function ndjsonLine(workspaceId: string, exportedAt: string, item: ExportItem): string {
  return `${JSON.stringify({ workspaceId, exportedAt, ...item })}\n`;
}

/** metadata.json, in pieces, so a large workspace is never one string in memory. */
export function* metadataJson(workspace: { id: string; name: string }, exportedAt: string, items: Iterable<ExportItem>): Generator<string> {
  yield `{"format":${JSON.stringify(EXPORT_FORMAT)},"version":${EXPORT_VERSION},"workspace":${JSON.stringify(workspace)},"exportedAt":${JSON.stringify(exportedAt)},"items":[`;
  let first = true;
  for (const item of items) {
    yield `${first ? '\n' : ',\n'}${JSON.stringify(item)}`;
    first = false;
  }
  yield '\n]}\n';
}

/** Archives whose last write is older than the TTL. */
export function expiredKeys(objects: Iterable<{ key: string; lastModified?: Date }>, now: number, ttlMs: number): string[] {
  const out: string[] = [];
  for (const o of objects) {
    if (!o.key.startsWith(EXPORTS_PREFIX) || !o.lastModified) continue;
    if (now - o.lastModified.getTime() > ttlMs) out.push(o.key);
  }
  return out;
}

/** Decides when progress is worth publishing: every `step` of the way or every `intervalMs`, and always at the end. */
export class ProgressThrottle {
  private lastValue = -1;
  private lastAt = 0;
  constructor(private readonly step = 0.05, private readonly intervalMs = 500, private readonly now: () => number = Date.now) {}

  /** Returns the value to publish, or undefined to stay quiet. */
  next(done: number, total: number): number | undefined {
    const value = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
    const t = this.now();
    if (value === this.lastValue) return undefined;
    if (value < 1 && value - this.lastValue < this.step && t - this.lastAt < this.intervalMs) return undefined;
    this.lastValue = value;
    this.lastAt = t;
    return value;
  }
}
