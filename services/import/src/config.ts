import { z } from 'zod';
import { ConfigError, describeEnvIssues } from '@bigapp/kit';

const int = (min: number, max: number, def: number) =>
  z.coerce.number({ error: `an integer from ${min} to ${max}` }).int(`an integer from ${min} to ${max}`).min(min, `an integer from ${min} to ${max}`).max(max, `an integer from ${min} to ${max}`).default(def);

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** The import service's variables (docs/workers.md). */
export const importEnvSchema = z.object({
  /** Largest archive downloaded from the bucket. */
  IMPORT_MAX_ARCHIVE_BYTES: int(1, 1024 * GiB, 5 * GiB),
  /** More entries than this and the archive is refused whole, before any is read. */
  IMPORT_MAX_ENTRIES: int(1, 1_000_000, 10_000),
  /** Largest single entry, uncompressed (declared and counted while streaming). */
  IMPORT_MAX_ENTRY_BYTES: int(1, 100 * GiB, 200 * MiB),
  /** Largest sum of uncompressed entries imported from one archive. */
  IMPORT_MAX_TOTAL_BYTES: int(1, 1024 * GiB, 10 * GiB),
  /** Largest uncompressed:compressed ratio of an entry (zip bomb). */
  IMPORT_MAX_RATIO: int(1, 100_000, 100),
  /** The ratio is only enforced once an entry is larger than this (tiny files compress well legitimately). */
  IMPORT_RATIO_MIN_BYTES: int(0, 100 * GiB, MiB),
  /** Largest metadata.json read (it is parsed in memory). */
  IMPORT_MAX_METADATA_BYTES: int(1, GiB, 64 * MiB),
  /** Delete the uploaded archive from the bucket once the job has finished (succeeded or failed for good). */
  IMPORT_DELETE_ARCHIVE: z.enum(['true', 'false'], { error: 'true or false' }).default('true'),
  /** Where the archive is staged (yauzl needs random access); defaults to the OS temp dir. */
  IMPORT_TMP_DIR: z.string().min(1).optional(),
});

export interface ImportConfig {
  maxArchiveBytes: number;
  maxEntries: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
  maxRatio: number;
  ratioMinBytes: number;
  maxMetadataBytes: number;
  deleteArchive: boolean;
  tmpDir: string | undefined;
}

export function parseImportConfig(env: Record<string, string | undefined>): ImportConfig {
  const clean = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('IMPORT_') && v !== undefined && v !== ''));
  const r = importEnvSchema.safeParse(clean);
  if (!r.success) throw new ConfigError(describeEnvIssues(r.error.issues, clean));
  const e = r.data;
  return {
    maxArchiveBytes: e.IMPORT_MAX_ARCHIVE_BYTES,
    maxEntries: e.IMPORT_MAX_ENTRIES,
    maxEntryBytes: e.IMPORT_MAX_ENTRY_BYTES,
    maxTotalBytes: e.IMPORT_MAX_TOTAL_BYTES,
    maxRatio: e.IMPORT_MAX_RATIO,
    ratioMinBytes: e.IMPORT_RATIO_MIN_BYTES,
    maxMetadataBytes: e.IMPORT_MAX_METADATA_BYTES,
    deleteArchive: e.IMPORT_DELETE_ARCHIVE === 'true',
    tmpDir: e.IMPORT_TMP_DIR,
  };
}
