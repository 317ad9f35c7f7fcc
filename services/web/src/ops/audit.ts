import { CompiledQuery, type Kysely } from 'kysely';
import type { Bus, Config, Logger } from '@bigapp/kit';
import type { Database, DatabaseHandle } from '@bigapp/kit/db';
import type { Bucket } from '@bigapp/kit/storage';
import type { OpContext } from '../../../cmd/src/context.js';
import { runOperation, type OpResult } from '../../../cmd/src/run-op.js';
import { services } from '../../../registry.js';

/**
 * The cmd-pod's operations need a DatabaseHandle (Kysely + the pg pool for
 * the cmd advisory lock); the web app only receives the Kysely instance. This
 * adapter gives runOperation a `pool.connect()` backed by one Kysely
 * connection held for as long as the operation keeps it.
 */
function handleFor(db: Kysely<Database>): DatabaseHandle {
  const pool = {
    connect: () =>
      new Promise((resolve, reject) => {
        db.connection()
          .execute(
            (conn) =>
              new Promise<void>((release) => {
                resolve({
                  query: async (text: string, params: unknown[] = []) => conn.executeQuery(CompiledQuery.raw(text, params)),
                  release: () => release(),
                });
              }),
          )
          .catch(reject);
      }),
  };
  return { db, pool } as unknown as DatabaseHandle;
}

export interface DashboardOps {
  run(actor: string, op: 'queue:retry-dead' | 'queue:purge', args: string[]): Promise<OpResult>;
}

export function dashboardOps(deps: { db: Kysely<Database>; bus: Bus; bucket: Bucket; log: Logger }): DashboardOps {
  const handle = handleFor(deps.db);
  return {
    run(actor, op, args) {
      const ctx: OpContext = {
        // The queue operations read no configuration.
        config: {} as Config,
        log: deps.log,
        db: handle,
        bucket: deps.bucket,
        bus: deps.bus,
        services,
        actor: `${actor} (dashboard)`,
      };
      return runOperation(ctx, op, args);
    },
  };
}
