import { z } from 'zod';
import { ConfigError, describeEnvIssues } from '@bigapp/kit';

const int = (min: number, max: number, def: number) =>
  z.coerce.number({ error: `an integer from ${min} to ${max}` }).int(`an integer from ${min} to ${max}`).min(min, `an integer from ${min} to ${max}`).max(max, `an integer from ${min} to ${max}`).default(def);

/** The export service's variables (docs/workers.md). */
export const exportEnvSchema = z.object({
  /** How long an archive stays in the bucket (and its download link works). */
  EXPORT_TTL_MS: int(60_000, 30 * 86_400_000, 86_400_000),
  /** How often each export worker deletes expired archives; 0 turns the sweep off. */
  EXPORT_SWEEP_INTERVAL_MS: int(0, 86_400_000, 900_000),
});

export interface ExportConfig {
  ttlMs: number;
  sweepIntervalMs: number;
}

export function parseExportConfig(env: Record<string, string | undefined>): ExportConfig {
  const clean = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('EXPORT_') && v !== undefined && v !== ''));
  const r = exportEnvSchema.safeParse(clean);
  if (!r.success) throw new ConfigError(describeEnvIssues(r.error.issues, clean));
  return { ttlMs: r.data.EXPORT_TTL_MS, sweepIntervalMs: r.data.EXPORT_SWEEP_INTERVAL_MS };
}
