import { z } from 'zod';

/** Broadcast events over Redis PUBLISH/SUBSCRIBE (channel = `events.<name>`). */
export const eventContracts = {
  'demo.echoed': z.object({ jobId: z.string(), text: z.string() }),
  'service.started': z.object({ service: z.string(), instance: z.string(), host: z.string(), version: z.string() }),
} as const;

export type EventContracts = typeof eventContracts;
export type EventName = keyof EventContracts & string;
export type EventPayload<E extends EventName> = z.output<EventContracts[E]>;
