import { z } from 'zod';

/** Broadcast events over Redis PUBLISH/SUBSCRIBE (channel = `events.<name>`). */
export const eventContracts = {
  /** A cached read is stale (a session ended, a membership changed); every web replica drops it. */
  'cache.invalidate': z.object({ kind: z.enum(['session', 'token', 'roles', 'pages']), key: z.string().max(200) }),
  /** A workspace changed; every web replica relays it to that workspace's SSE clients. */
  'workspace.event': z.object({ workspaceId: z.uuid(), event: z.looseObject({ type: z.string() }) }),
  /** Progress of a long job (export, import), from the worker. */
  'job.progress': z.object({ workspaceId: z.uuid(), jobId: z.string(), kind: z.enum(['image', 'export', 'import']), progress: z.number().min(0).max(1) }),
  'demo.echoed': z.object({ jobId: z.string(), text: z.string() }),
  'service.started': z.object({ service: z.string(), instance: z.string(), host: z.string(), version: z.string() }),
} as const;

export type EventContracts = typeof eventContracts;
export type EventName = keyof EventContracts & string;
export type EventPayload<E extends EventName> = z.output<EventContracts[E]>;
