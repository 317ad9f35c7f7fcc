import type { Operation } from './context.js';
import { dbMigrate, dbReset, dbSeed, dbStatus } from './ops/db.js';
import { dbBackup, dbRestore } from './ops/backup.js';
import { queuePurge, queueRetryDead, queueStats } from './ops/queues.js';
import { storageOrphans } from './ops/storage.js';
import { userCreate, userList, userSetPassword } from './ops/users.js';

/** Every operation the cmd-pod can run, by name. */
export const operations: ReadonlyMap<string, Operation> = new Map(
  [dbMigrate, dbStatus, dbSeed, dbReset, userCreate, userSetPassword, userList, queueStats, queueRetryDead, queuePurge, storageOrphans, dbBackup, dbRestore].map((o) => [o.name, o]),
);

export function helpText(): string {
  const w = Math.max(...[...operations.values()].map((o) => o.usage.length));
  return [...operations.values()].map((o) => `  ${o.usage.padEnd(w)}  ${o.summary}`).join('\n');
}
