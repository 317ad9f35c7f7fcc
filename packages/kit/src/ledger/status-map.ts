import type { StatusEnvelope } from '@bigapp/contracts';
import type { LedgerStatus } from '../db/schema.js';

export interface RowChange {
  status: LedgerStatus;
  attempts: number;
  result?: unknown;
  error?: unknown;
  finished: boolean;
  /** For a retry: when the next attempt is due (epoch ms). */
  runAfter?: number;
}

/**
 * What a status from `<service>.done` means for the job's ledger row. Pure,
 * so the mapping is tested without a database.
 */
export function rowChangeFor(s: StatusEnvelope): RowChange {
  switch (s.status) {
    case 'succeeded':
      return { status: 'succeeded', attempts: s.attempt, result: s.result ?? null, finished: true };
    case 'failed':
      return { status: 'failed', attempts: s.attempt, error: s.error ?? null, finished: true };
    case 'dead':
      return { status: 'dead', attempts: s.attempt, error: s.error ?? null, finished: true };
    case 'retrying':
      return { status: 'queued', attempts: s.attempt, error: s.error ?? null, finished: false, ...(s.retryAt !== undefined ? { runAfter: s.retryAt } : {}) };
  }
}
