import { z } from 'zod';
import { describeEnvIssues, ConfigError } from '@bigapp/kit';

const int = (min: number, max: number, def: number) =>
  z.coerce.number({ error: `an integer from ${min} to ${max}` }).int(`an integer from ${min} to ${max}`).min(min, `an integer from ${min} to ${max}`).max(max, `an integer from ${min} to ${max}`).default(def);

/** The image service's variables (docs/workers.md). */
export const imageEnvSchema = z.object({
  /** Largest width × height decoded; more is refused as a decompression bomb. */
  IMAGE_MAX_INPUT_PIXELS: int(1, 1_000_000_000, 50_000_000),
  /** Largest original read from the bucket, in bytes. */
  IMAGE_MAX_INPUT_BYTES: int(1, 10 * 1024 ** 3, 200 * 1024 ** 2),
  IMAGE_THUMB_SMALL_PX: int(16, 4096, 256),
  IMAGE_THUMB_LARGE_PX: int(16, 8192, 1024),
  IMAGE_WEBP_QUALITY: int(1, 100, 80),
  /** libvips' failOn: how bad a decode problem must be to refuse the file. */
  IMAGE_FAIL_ON: z.enum(['none', 'truncated', 'error', 'warning'], { error: 'one of none, truncated, error, warning' }).default('truncated'),
  /** Where originals are staged while decoded; defaults to the OS temp dir. */
  IMAGE_TMP_DIR: z.string().min(1).optional(),
});

export interface ImageConfig {
  maxInputPixels: number;
  maxInputBytes: number;
  smallPx: number;
  largePx: number;
  webpQuality: number;
  failOn: 'none' | 'truncated' | 'error' | 'warning';
  tmpDir: string | undefined;
}

export function parseImageConfig(env: Record<string, string | undefined>): ImageConfig {
  const clean = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('IMAGE_') && v !== undefined && v !== ''));
  const r = imageEnvSchema.safeParse(clean);
  if (!r.success) throw new ConfigError(describeEnvIssues(r.error.issues, clean));
  const e = r.data;
  if (e.IMAGE_THUMB_SMALL_PX > e.IMAGE_THUMB_LARGE_PX) {
    throw new ConfigError([`IMAGE_THUMB_SMALL_PX: expected at most IMAGE_THUMB_LARGE_PX (${e.IMAGE_THUMB_LARGE_PX}), got ${e.IMAGE_THUMB_SMALL_PX}`]);
  }
  return {
    maxInputPixels: e.IMAGE_MAX_INPUT_PIXELS,
    maxInputBytes: e.IMAGE_MAX_INPUT_BYTES,
    smallPx: e.IMAGE_THUMB_SMALL_PX,
    largePx: e.IMAGE_THUMB_LARGE_PX,
    webpQuality: e.IMAGE_WEBP_QUALITY,
    failOn: e.IMAGE_FAIL_ON,
    tmpDir: e.IMAGE_TMP_DIR,
  };
}
