import type { Logger } from 'pino';
import { openBus, type Bus, type Cache, type Consumer } from './bus/index.js';
import type { HandlerEntry } from './bus/worker.js';
import type { Config } from './config.js';
import { createLogger } from './log.js';
import { Metrics } from './metrics.js';
import { OpsServer, type ReadinessCheck } from './ops-server.js';
import { validateDeclaration, type ServiceDeclaration } from './service.js';
import type { DatabaseHandle } from './db/database.js';
import type { Bucket } from './storage/types.js';
import type { JobLedger } from './ledger/ledger.js';

/** What a service's `start` hook receives. */
export interface ServiceContext {
  service: ServiceDeclaration;
  config: Config;
  log: Logger;
  bus: Bus;
  cache: Cache;
  metrics: Metrics;
  /** Present when the service declares `needs.db` (or a ledger). */
  db?: DatabaseHandle;
  /** Present when the service declares `needs.bucket`. */
  bucket?: Bucket;
  /** Present when any service in this process declares `ledger`. */
  ledger?: JobLedger;
  addReadinessCheck(name: string, check: ReadinessCheck): void;
}

export interface HostOptions {
  services: readonly ServiceDeclaration[];
  config: Config;
  version: string;
  log?: Logger;
}

export interface Host {
  log: Logger;
  bus: Bus;
  cache: Cache;
  metrics: Metrics;
  db?: DatabaseHandle;
  bucket?: Bucket;
  ledger?: JobLedger;
  opsPort: number;
  /** Drains and closes everything; resolves when done. */
  stop(): Promise<void>;
}

/**
 * Runs one, several or all declared services in this process, over the
 * Redis bus when REDIS_URL is set and the in-process bus otherwise.
 */
export async function startHost(o: HostOptions): Promise<Host> {
  const t0 = performance.now();
  const { config } = o;
  for (const s of o.services) validateDeclaration(s);
  const names = o.services.map((s) => s.name);
  const log = o.log ?? createLogger({ level: config.log.level, pretty: config.log.pretty, base: { instance: config.instance } });
  const metrics = new Metrics({ instance: config.instance }, async () => {
    const out: { service: string; state: string; value: number }[] = [];
    for (const name of names) {
      const s = await bus.stats(name);
      for (const state of ['queued', 'inflight', 'delayed', 'dead', 'done'] as const) out.push({ service: name, state, value: s[state] });
    }
    return out;
  });
  const { bus, cache } = openBus({
    redisUrl: config.redisUrl,
    cacheUrl: config.cacheUrl,
    log,
    settings: config.bus,
    identity: { instance: config.instance, version: o.version },
    metrics,
    name: `bigapp:${config.instance}`,
  });
  // Before the bus, so every span from the first job on is recorded.
  let tracing: import('./tracing/state.js').Tracing | undefined;
  if (config.tracing.enabled) {
    const { setupTracing } = await import('./tracing/setup.js');
    tracing = await setupTracing({ serviceName: names.join('+'), instance: config.instance, version: o.version, otlpEndpoint: config.tracing.otlpEndpoint, recentSpans: config.tracing.memorySpans, samplesPerSecond: config.tracing.samplesPerSecond });
  }
  const ops = new OpsServer(metrics, log);
  ops.addCheck('bus', () => bus.ping());
  const stops: (() => Promise<void>)[] = [];
  const workers: Consumer[] = [];
  let opsPort = 0;
  let db: DatabaseHandle | undefined;
  let bucket: Bucket | undefined;
  let ledger: JobLedger | undefined;
  const ledgerServices = [...new Set(o.services.flatMap((s) => s.ledger ?? []))];
  try {
    opsPort = await ops.listen(config.ops.port, config.ops.host);
    // Loaded only when a service needs them: a worker that does not stays small and starts fast.
    if (ledgerServices.length || o.services.some((s) => s.needs?.db)) {
      const { openDatabase, migrate, migrations } = await import('./db/index.js');
      db = await openDatabase(config.db, log, { dataDir: config.dataDir, applicationName: `bigapp:${config.instance}` });
      if (config.autoMigrate) await migrate(db.db, migrations, log);
      const handle = db;
      ops.addCheck('db', () => handle.ping());
    }
    if (o.services.some((s) => s.needs?.bucket)) {
      const { openBucket } = await import('./storage/index.js');
      const b = await openBucket(config.storage, { dataDir: config.dataDir });
      bucket = b;
      ops.addCheck('bucket', () => b.ping());
    }
    if (db) {
      // Any service with a database can record durable jobs; only those declaring `ledger` consume statuses.
      const { JobLedger } = await import('./ledger/index.js');
      ledger = new JobLedger(db.db, bus, { log, reconcileAfterMs: config.ledger.checkAfterMs, intervalMs: config.ledger.intervalMs });
    }
    for (const s of o.services) {
      const slog = log.child({ service: s.name });
      if (s.start) {
        const stop = await s.start({
          service: s, config, log: slog, bus, cache, metrics,
          ...(db ? { db } : {}), ...(bucket ? { bucket } : {}), ...(ledger ? { ledger } : {}),
          addReadinessCheck: (n, c) => ops.addCheck(`${s.name}.${n}`, c),
        });
        if (stop) stops.push(stop);
      }
      if (s.jobs && Object.keys(s.jobs).length > 0) {
        const handlers = s.jobs as unknown as Record<string, HandlerEntry>;
        workers.push(await bus.work({ service: s.name, handlers, concurrency: config.concurrency ?? s.concurrency ?? 10, prefetch: config.prefetch ?? s.prefetch ?? 0 }));
      }
    }
  } catch (err) {
    await Promise.allSettled([ops.close(), bus.close(0), cache.close(), ledger?.stop(), bucket?.close(), db?.close()]);
    throw err;
  }
  // Status consumers start after the services' start hooks, so their listeners see every status.
  try {
    if (ledger && ledgerServices.length) await ledger.start(ledgerServices);
  } catch (err) {
    await Promise.allSettled([ops.close(), bus.close(0), cache.close(), bucket?.close(), db?.close()]);
    throw err;
  }
  log.info({ services: names, bus: config.redisUrl ? 'redis' : 'in-process', opsPort, startMs: Math.round(performance.now() - t0) }, 'ready');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const t = Date.now();
      ops.setDraining();
      log.info({ graceMs: config.graceMs }, 'stopping: no new jobs; draining in-flight work');
      const drained = await Promise.all(workers.map((w) => bus.stopConsumer(w, config.graceMs)));
      for (const fn of stops.reverse()) {
        try {
          await fn();
        } catch (err) {
          log.error({ err }, 'service stop hook failed');
        }
      }
      await ledger?.stop(0);
      await Promise.all([bus.close(Math.max(0, config.graceMs - (Date.now() - t))), cache.close()]);
      await bucket?.close();
      await db?.close();
      await ops.close();
      log.info({ finished: drained.reduce((a, d) => a + d.finished, 0), handedBack: drained.reduce((a, d) => a + d.handedBack, 0), ms: Date.now() - t }, 'stopped');
    })());
  return { log, bus, cache, metrics, opsPort, stop, ...(db ? { db } : {}), ...(bucket ? { bucket } : {}), ...(ledger ? { ledger } : {}) };
}
