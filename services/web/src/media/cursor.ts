/**
 * Keyset pagination cursor over (created_at desc, id desc): opaque to
 * clients (base64url of "<timestamp with microseconds>|<id>"), checked when
 * decoded. The timestamp keeps PostgreSQL's microseconds (a JS Date would
 * lose them and skip or repeat rows created in the same millisecond).
 */
export interface CursorPos {
  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ` */
  createdAt: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function encodeCursor(p: CursorPos): string {
  return Buffer.from(`${p.createdAt}|${p.id}`).toString('base64url');
}

/** Undefined when the text is not a cursor this service made. */
export function decodeCursor(text: string): CursorPos | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(text)) return undefined;
  const [ts, id, extra] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  if (extra !== undefined || !ts || !id || !UUID.test(id) || !TS.test(ts) || Number.isNaN(Date.parse(ts))) return undefined;
  return { createdAt: ts, id };
}
