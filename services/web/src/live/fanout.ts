import type { Logger } from 'pino';
import { WorkspaceEvent } from '@bigapp/contracts';
import type { Bus } from '@bigapp/kit';
import type { LiveHub } from './hub.js';

/**
 * Cross-replica fan-out. A change is published once on `workspace.event`
 * (Redis pub/sub when REDIS_URL is set); every web replica, this one
 * included, relays it to its own SSE clients. Worker progress already
 * arrives as `job.progress` on every replica and is relayed as is.
 */
export class Fanout {
  private unsubs: (() => Promise<void>)[] = [];
  constructor(
    private readonly bus: Bus,
    private readonly hub: LiveHub,
    private readonly log: Logger,
    /** Called for every workspace change seen by this replica (drops cached list pages). */
    private readonly onChange: (workspaceId: string) => void = () => undefined,
  ) {}

  async start(): Promise<void> {
    this.unsubs.push(
      await this.bus.subscribe('workspace.event', (p) => {
        const e = WorkspaceEvent.safeParse(p.event);
        if (!e.success || e.data.workspaceId !== p.workspaceId) {
          this.log.warn({ type: p.event.type }, 'ignored a workspace.event that does not match the WorkspaceEvent contract');
          return;
        }
        this.onChange(e.data.workspaceId);
        this.hub.send(e.data);
      }),
    );
    this.unsubs.push(await this.bus.subscribe('job.progress', (p) => this.hub.send({ type: 'job.progress', ...p })));
  }

  publish(e: WorkspaceEvent): Promise<void> {
    this.onChange(e.workspaceId);
    return this.bus.publish('workspace.event', { workspaceId: e.workspaceId, event: e });
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.unsubs.splice(0).map((u) => u()));
  }
}
