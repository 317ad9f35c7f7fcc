/**
 * The image service's decisions, without I/O: which inputs are accepted,
 * how a thumbnail is named, how a decoder's complaint reads to a person.
 */

/** MIME types the sniffer may report for an accepted original (the same list as the API's MEDIA_TYPES). */
export const ACCEPTED_MIME = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/tiff']);

/** libvips loaders we let decode (sharp's `metadata().format`); heif only when it is AVIF. */
export const ACCEPTED_SHARP_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'heif', 'tiff']);

/** The format recorded for a media item: sharp's name, except AVIF (which libvips reads as heif/av1). */
export function recordedFormat(format: string | undefined, compression: string | undefined): string | undefined {
  if (!format) return undefined;
  if (format === 'heif') return compression === 'av1' ? 'avif' : undefined;
  return ACCEPTED_SHARP_FORMATS.has(format) ? format : undefined;
}

/**
 * Content-addressed, per-media thumbnail key. The hash of the thumbnail's
 * bytes makes the object immutable (safe to cache forever); the workspace and
 * media ids keep one item's thumbnails its own, so deleting it can never
 * remove a thumbnail another item (e.g. an imported copy) still shows.
 */
export function thumbnailKey(workspaceId: string, mediaId: string, sha256Hex: string, sizePx: number): string {
  return `thumbs/${workspaceId}/${mediaId}-${sha256Hex}-${sizePx}.webp`;
}

export function formatMegapixels(px: number): string {
  const mpx = px / 1_000_000;
  return `${mpx >= 10 ? Math.round(mpx) : Math.round(mpx * 10) / 10} Mpx`;
}

/** Null when within the limit, else the reason shown to the user. */
export function pixelLimitReason(width: number, height: number, pages: number, maxPixels: number): string | null {
  const px = width * height * Math.max(1, pages);
  if (px <= maxPixels) return null;
  return `The image is too large to process: ${width} × ${height}${pages > 1 ? ` × ${pages} frames` : ''} pixels (${formatMegapixels(px)}) is over the limit of ${formatMegapixels(maxPixels)}.`;
}

/** A decoder error as one readable sentence: the first line, without libvips' noise, bounded. */
export function readableDecodeError(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  let line = (raw.split('\n').find((l) => l.trim() !== '') ?? raw).trim();
  line = line.replace(/^Input (file|buffer) (has|contains) /, 'it has ').replace(/^VipsForeignLoad\w*: /, '').replace(/^Vips\w+: /, '');
  if (/exceeds pixel limit/i.test(line)) line = 'it has more pixels than the limit allows';
  if (line.length > 300) line = `${line.slice(0, 300)}…`;
  return `The file is not a readable image: ${line}`;
}

/** The reason given for a sniffed type that is not accepted. */
export function unsupportedTypeReason(mime: string | undefined, textKind?: string): string {
  if (textKind) return `The file is not a readable image: it is ${textKind}, and only JPEG, PNG, WebP, GIF, AVIF and TIFF are accepted.`;
  if (!mime) return 'The file is not a readable image: its contents are not a recognised image format.';
  return `The file is not a readable image: it is ${mime}, and only JPEG, PNG, WebP, GIF, AVIF and TIFF are accepted.`;
}

/** file-type does not name text formats; an SVG deserves a clearer reason than "not recognised". */
export function sniffTextKind(head: Buffer): string | undefined {
  const text = head.subarray(0, 1024).toString('utf8').trimStart().toLowerCase();
  if (text.startsWith('<svg') || (text.startsWith('<?xml') && text.includes('<svg'))) return 'an SVG drawing (image/svg+xml)';
  if (text.startsWith('<')) return 'markup text (HTML or XML)';
  return undefined;
}
