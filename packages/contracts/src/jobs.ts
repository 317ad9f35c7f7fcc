import { z } from 'zod';

/**
 * Every job type on the bus, keyed by service then type. Producers validate
 * `data` before enqueueing and workers validate it again after taking, both
 * from these schemas.
 */
export interface JobContract<D extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  data: D;
  result: R;
  description: string;
  /** Attempts before dead-lettering, unless the producer says otherwise. */
  maxAttempts?: number;
}

export function defineJob<D extends z.ZodType, R extends z.ZodType>(c: JobContract<D, R>): JobContract<D, R> {
  return c;
}

export const demoJobs = {
  echo: defineJob({
    description: 'Returns its text; optionally waits first. The demo of a request/response job.',
    data: z.strictObject({ text: z.string().max(10_000), delayMs: z.number().int().min(0).max(60_000).optional() }),
    result: z.object({ text: z.string(), length: z.number().int() }),
  }),
  noop: defineJob({
    description: 'Does nothing; used by benchmarks and fault tests.',
    data: z.looseObject({ n: z.number().int().optional() }),
    result: z.null(),
  }),
  fail: defineJob({
    description: 'Always throws (or hangs when hang is set); shows retries and dead-lettering.',
    maxAttempts: 3,
    data: z.strictObject({ reason: z.string().max(1000).default('requested failure'), hang: z.boolean().optional() }),
    result: z.null(),
  }),
} as const;

export const cmdJobs = {
  run: defineJob({
    description: 'Runs one operations command on the cmd-pod (bigapp cmd --remote).',
    data: z.strictObject({
      op: z.string().regex(/^[a-z]+:[a-z-]+$/, 'an operation like db:status'),
      args: z.array(z.string().max(4096)).max(64).default([]),
      actor: z.string().min(1).max(200),
    }),
    result: z.object({ ok: z.boolean(), output: z.unknown(), error: z.object({ code: z.string(), message: z.string() }).optional() }),
    // An operation is not retried behind the operator's back.
    maxAttempts: 1,
  }),
} as const;

const workspaceJob = { workspaceId: z.uuid() };

export const imageJobs = {
  thumbnail: defineJob({
    description: 'Makes the WebP thumbnails of one upload and records its size and format.',
    data: z.strictObject({ ...workspaceJob, mediaId: z.uuid(), key: z.string().max(1024) }),
    result: z.object({
      width: z.number().int(),
      height: z.number().int(),
      format: z.string(),
      thumbnails: z.object({ small: z.string(), large: z.string() }),
    }),
    maxAttempts: 3,
  }),
} as const;

export const exportJobs = {
  workspace: defineJob({
    description: "Streams a workspace's originals, metadata.json and items.ndjson into a ZIP in the bucket.",
    data: z.strictObject({ ...workspaceJob, requestedBy: z.uuid() }),
    result: z.object({ key: z.string(), bytes: z.number().int(), items: z.number().int(), expiresAt: z.string() }),
    maxAttempts: 3,
  }),
} as const;

export const importJobs = {
  archive: defineJob({
    description: 'Imports a ZIP made by export into a workspace, refusing unsafe entries one by one.',
    data: z.strictObject({ ...workspaceJob, key: z.string().max(1024), requestedBy: z.uuid() }),
    result: z.object({
      imported: z.number().int(),
      rejected: z.array(z.object({ entry: z.string(), reason: z.string() })),
    }),
    maxAttempts: 2,
  }),
} as const;

export const jobContracts = {
  demo: demoJobs,
  cmd: cmdJobs,
  image: imageJobs,
  export: exportJobs,
  import: importJobs,
} as const satisfies Record<string, Record<string, JobContract>>;

export type JobContracts = typeof jobContracts;
export type ServiceWithJobs = keyof JobContracts;
export type JobTypeOf<S extends ServiceWithJobs> = keyof JobContracts[S] & string;
export type JobDataOf<S extends ServiceWithJobs, T extends JobTypeOf<S>> =
  JobContracts[S][T] extends JobContract<infer D, z.ZodType> ? z.input<D> : never;
export type JobResultOf<S extends ServiceWithJobs, T extends JobTypeOf<S>> =
  JobContracts[S][T] extends JobContract<z.ZodType, infer R> ? z.output<R> : never;

export function findJobContract(service: string, type: string): JobContract | undefined {
  const jobs = (jobContracts as Record<string, Record<string, JobContract>>)[service];
  if (!jobs || !Object.hasOwn(jobs, type)) return undefined;
  return jobs[type];
}
