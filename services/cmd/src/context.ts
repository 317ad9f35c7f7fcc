import type { Bus, Config, Logger } from '@bigapp/kit';
import type { DatabaseHandle } from '@bigapp/kit/db';
import type { Bucket } from '@bigapp/kit/storage';
import type { services as Registry } from '../../registry.js';

/** What an operation may touch: the same whether it runs in the CLI, in the pod, or from cmd.queue. */
export interface OpContext {
  config: Config;
  log: Logger;
  db: DatabaseHandle;
  bucket: Bucket;
  bus: Bus;
  services: typeof Registry;
  actor: string;
}

export class OpError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'OpError';
  }
}

export interface Operation {
  name: string;
  summary: string;
  usage: string;
  run(ctx: OpContext, args: string[]): Promise<unknown>;
}
