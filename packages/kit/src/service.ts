import type { z } from 'zod';
import {
  jobContracts,
  serviceName,
  type JobContract,
  type JobContracts,
} from '@bigapp/contracts';
import type { JobContext } from './bus/types.js';

export type ServiceKind = 'web' | 'worker' | 'singleton';

type ContractsOf<S extends string> = S extends keyof JobContracts ? JobContracts[S] : Record<string, never>;

export interface JobHandlerSpec<C extends JobContract = JobContract> {
  handler: (data: z.output<C['data']>, ctx: JobContext) => Promise<z.input<C['result']>>;
  /** Per-attempt time limit; a handler still running then counts as failed. */
  timeoutMs?: number;
}

export type JobHandlers<S extends string> = {
  [T in keyof ContractsOf<S>]: ContractsOf<S>[T] extends JobContract ? JobHandlerSpec<ContractsOf<S>[T]> : never;
};

export interface ScalingHints {
  /** Fewest replicas (KEDA minReplicaCount / HPA minReplicas). */
  minReplicas: number;
  maxReplicas: number;
  /** Queue length per replica that KEDA aims for (workers only). */
  queueLengthTarget?: number;
  /** CPU utilisation percent the HPA aims for (web only). */
  cpuTargetPercent?: number;
}

export interface ResourceHints {
  cpuRequest: string;
  cpuLimit?: string;
  memoryRequest: string;
  memoryLimit: string;
}

/**
 * One service, declared in its own `service.ts`. The registry of these is the
 * single source for the runner, the Kubernetes manifests and the dashboard.
 */
export interface ServiceDeclaration<S extends string = string> {
  name: S;
  kind: ServiceKind;
  description: string;
  /** Job types this service takes from `<name>.queue`, with their handlers. */
  jobs?: JobHandlers<S>;
  /** Job types (as `service.type`) and events this service produces. */
  produces?: { jobs?: string[]; events?: string[] };
  /** Handlers running at once in one process. */
  concurrency?: number;
  /**
   * Jobs taken ahead of free handler slots (default 0). Saves a round trip per
   * job for short jobs; keep 0 for long ones, so other replicas (and KEDA,
   * which counts the queue) see the work.
   */
  prefetch?: number;
  /** Time given to in-flight work on SIGTERM before it is handed back. */
  drainMs?: number;
  /** HTTP port the service listens on (web kind). */
  httpPort?: number;
  scaling: ScalingHints;
  resources?: ResourceHints;
  /** Shared resources the host opens for this service (once per process). */
  needs?: { db?: boolean; bucket?: boolean };
  /**
   * Services whose durable jobs this service tracks in the job ledger: it
   * consumes their `<service>.done` into the jobs table and runs the reconciler.
   */
  ledger?: string[];
  /** Called once the host has started its shared resources; returns a stop function. */
  start?: (ctx: import('./host.js').ServiceContext) => Promise<(() => Promise<void>) | void>;
}

export class ServiceDeclarationError extends Error {
  readonly code = 'service_declaration_invalid';
}

/** Checks a declaration's invariants; throws a ServiceDeclarationError naming the field. */
export function validateDeclaration(d: ServiceDeclaration): void {
  const name = serviceName.safeParse(d.name);
  if (!name.success) throw new ServiceDeclarationError(`service "${d.name}": name must be ${name.error.issues[0]?.message}`);
  const { minReplicas, maxReplicas } = d.scaling;
  if (!Number.isInteger(minReplicas) || minReplicas < 0) throw new ServiceDeclarationError(`service "${d.name}": scaling.minReplicas must be an integer >= 0`);
  if (!Number.isInteger(maxReplicas) || maxReplicas < 1) throw new ServiceDeclarationError(`service "${d.name}": scaling.maxReplicas must be an integer >= 1`);
  if (minReplicas > maxReplicas) throw new ServiceDeclarationError(`service "${d.name}": scaling.minReplicas (${minReplicas}) is greater than maxReplicas (${maxReplicas})`);
  if (d.kind === 'singleton' && maxReplicas !== 1) throw new ServiceDeclarationError(`service "${d.name}": a singleton must have maxReplicas 1`);
  const contracts = (jobContracts as Record<string, Record<string, JobContract>>)[d.name] ?? {};
  for (const type of Object.keys(d.jobs ?? {})) {
    if (!Object.hasOwn(contracts, type)) throw new ServiceDeclarationError(`service "${d.name}": job type "${type}" has no contract in @bigapp/contracts`);
  }
  if (d.concurrency !== undefined && (!Number.isInteger(d.concurrency) || d.concurrency < 1 || d.concurrency > 10_000)) {
    throw new ServiceDeclarationError(`service "${d.name}": concurrency must be an integer from 1 to 10000`);
  }
}

export function defineService<S extends string>(d: ServiceDeclaration<S>): ServiceDeclaration<S> {
  return d;
}
