export { JobLedger, Outbox, type DurableJobRef, type LedgerOptions } from './ledger.js';
export { Reconciler, type ReconcilerOptions } from './reconciler.js';
export { rowChangeFor, type RowChange } from './status-map.js';
