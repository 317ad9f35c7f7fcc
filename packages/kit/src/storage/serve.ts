import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { isStorageError } from './errors.js';
import { verifyPresigned } from './presign.js';
import type { Bucket, ByteRange } from './types.js';

/**
 * Serves the folder driver's presigned links (`<basePath>/<key>?method=&exp=&sig=`)
 * on a plain Node request, so the web service can mount it (Fastify:
 * `reply.hijack()` then pass `request.raw`, `reply.raw`) and tests can use a
 * bare http.Server. No session or cookie is consulted: the signature is the
 * whole authorisation.
 */

export interface ServePresignedOptions {
  secret: string;
  /** Path the links are under (default `/bucket`). */
  basePath?: string;
  /** Largest upload accepted; uploads must then declare Content-Length. */
  maxBytes?: number;
  now?: () => number;
}

function send(res: ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

function parseRange(header: string | undefined): ByteRange | undefined | 'bad' {
  if (!header) return undefined;
  const m = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (!m) return 'bad'; // suffix and multi ranges are not supported
  const start = Number(m[1]);
  return m[2] ? { start, end: Number(m[2]) } : { start };
}

/** Returns false when the request is not under `basePath`, so the caller can route it elsewhere. */
export async function servePresigned(bucket: Bucket, req: IncomingMessage, res: ServerResponse, opts: ServePresignedOptions): Promise<boolean> {
  const base = (opts.basePath ?? '/bucket').replace(/\/+$/, '');
  const url = new URL(req.url ?? '/', 'http://x');
  if (!url.pathname.startsWith(`${base}/`)) return false;
  let key: string;
  try {
    key = url.pathname.slice(base.length + 1).split('/').map(decodeURIComponent).join('/');
  } catch {
    send(res, 400, 'bad_request', 'The URL is not valid.');
    return true;
  }
  const q = url.searchParams;
  const linkMethod = q.get('method') ?? '';
  const reqMethod = req.method === 'HEAD' ? 'GET' : (req.method ?? '');
  const ct = q.get('ct') ?? undefined;
  const v = verifyPresigned({ method: linkMethod, key, exp: q.get('exp') ?? '', sig: q.get('sig') ?? '', contentType: ct }, opts.secret, (opts.now ?? Date.now)());
  if (!v.ok || linkMethod !== reqMethod) {
    // One answer for every refusal: the reason goes nowhere an attacker can read it.
    send(res, 403, 'forbidden', 'The link is invalid or has expired.');
    return true;
  }
  try {
    if (v.method === 'GET') {
      const range = parseRange(req.headers.range);
      if (range === 'bad') {
        send(res, 416, 'invalid_range', 'Only a single "bytes=start-[end]" range is supported.');
        return true;
      }
      const head = await bucket.head(key);
      if (!head) {
        send(res, 404, 'not_found', 'The object does not exist.');
        return true;
      }
      const got = await bucket.get(key, range ? { range } : {});
      const headers: Record<string, string | number> = {
        'content-type': got.contentType ?? 'application/octet-stream',
        'content-length': got.contentLength,
        'accept-ranges': 'bytes',
        'x-content-type-options': 'nosniff',
        // Uploaded HTML or SVG is served from the app's own origin: the
        // sandbox keeps its scripts away from the app's cookies and storage.
        'content-security-policy': 'sandbox',
      };
      if (got.etag) headers.etag = got.etag;
      if (range) headers['content-range'] = `bytes ${range.start}-${range.start + got.contentLength - 1}/${head.contentLength}`;
      res.writeHead(range ? 206 : 200, headers);
      if (req.method === 'HEAD') {
        got.body.destroy();
        res.end();
      } else {
        await pipeline(got.body, res);
      }
      return true;
    }
    if (ct !== undefined && req.headers['content-type'] !== ct) {
      send(res, 403, 'forbidden', 'The upload must use the content type the link was made for.');
      return true;
    }
    const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
    if (opts.maxBytes !== undefined && (declared === undefined || !(declared <= opts.maxBytes))) {
      send(res, declared === undefined ? 411 : 413, declared === undefined ? 'bad_request' : 'too_large', `Uploads must declare a Content-Length of at most ${opts.maxBytes} bytes.`);
      return true;
    }
    const contentType = ct ?? req.headers['content-type'];
    const put = await bucket.put(key, req, {
      ...(contentType ? { contentType } : {}),
      ...(declared !== undefined && Number.isSafeInteger(declared) ? { contentLength: declared } : {}),
    });
    res.writeHead(200, put.etag ? { etag: put.etag, 'content-length': 0 } : { 'content-length': 0 });
    res.end();
    return true;
  } catch (err) {
    if (res.headersSent) {
      res.destroy(err as Error);
    } else if (isStorageError(err)) {
      const status = { not_found: 404, invalid_key: 400, invalid_range: 416, bad_request: 400, conflict: 409 }[err.code as string] ?? 503;
      send(res, status, err.code, err.safeMessage);
    } else {
      send(res, 500, 'internal', 'Storage failed.');
    }
    return true;
  }
}
