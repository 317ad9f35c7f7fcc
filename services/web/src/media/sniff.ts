import { fileTypeFromBuffer } from 'file-type';
import { MEDIA_TYPES } from '@bigapp/contracts';

export type MediaType = (typeof MEDIA_TYPES)[number];

/** Bytes file-type needs to recognise every format it knows. */
export const SNIFF_BYTES = 4100;

/**
 * The image type the first bytes say, or a reason the file is refused. The
 * file name and the client's Content-Type are never trusted.
 */
export async function sniffImage(head: Buffer): Promise<{ ok: true; type: MediaType; ext: string } | { ok: false; reason: string }> {
  const ft = await fileTypeFromBuffer(head);
  if (ft && (MEDIA_TYPES as readonly string[]).includes(ft.mime)) return { ok: true, type: ft.mime as MediaType, ext: ft.ext };
  const text = head.subarray(0, 1024).toString('utf8').replace(/^\uFEFF/, '').trimStart().toLowerCase();
  const what = /^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*|<!doctype[^>]*>\s*)*<svg[\s>]/.test(text) || (text.startsWith('<') && text.includes('<svg'))
    ? 'an SVG (vector) image'
    : ft
      ? `of type ${ft.mime}`
      : head.length === 0
        ? 'empty'
        : 'not a recognised image (text or unknown binary)';
  return { ok: false, reason: `The file is ${what}; accepted types are JPEG, PNG, WebP, GIF, AVIF and TIFF (checked from the content, not the name).` };
}

export function isZip(head: Buffer): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}
