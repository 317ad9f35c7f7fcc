import type { ServerResponse } from 'node:http';
import type { WorkspaceEvent } from '@bigapp/contracts';

/** One SSE frame: `event: <type>` and the JSON on one `data:` line. */
export function sseFrame(e: WorkspaceEvent, id?: string): string {
  return `${id ? `id: ${id}\n` : ''}event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

interface Client {
  res: ServerResponse;
  userId: string;
}

/**
 * The SSE connections of this replica, by workspace. Events arrive from the
 * bus (every replica receives every workspace.event) and are written to the
 * local clients of that workspace only.
 */
export class LiveHub {
  private readonly byWorkspace = new Map<string, Set<Client>>();
  private readonly timer: NodeJS.Timeout;
  private seq = 0;

  constructor(heartbeatMs = 15_000) {
    // A comment line keeps proxies from closing an idle stream.
    this.timer = setInterval(() => this.broadcastRaw(': heartbeat\n\n'), heartbeatMs);
    this.timer.unref();
  }

  get size(): number {
    let n = 0;
    for (const s of this.byWorkspace.values()) n += s.size;
    return n;
  }

  add(workspaceId: string, userId: string, res: ServerResponse): () => void {
    const c: Client = { res, userId };
    let set = this.byWorkspace.get(workspaceId);
    if (!set) this.byWorkspace.set(workspaceId, (set = new Set()));
    set.add(c);
    const remove = () => {
      set.delete(c);
      if (set.size === 0 && this.byWorkspace.get(workspaceId) === set) this.byWorkspace.delete(workspaceId);
    };
    res.once('close', remove);
    return remove;
  }

  send(e: WorkspaceEvent): void {
    const set = this.byWorkspace.get(e.workspaceId);
    if (!set) return;
    const frame = sseFrame(e, `${Date.now()}-${++this.seq}`);
    for (const c of set) if (!c.res.writableEnded) c.res.write(frame);
  }

  /** Ends the streams of one user in one workspace (removed from it) or of the whole workspace (deleted). */
  disconnect(workspaceId: string, userId?: string): void {
    const set = this.byWorkspace.get(workspaceId);
    if (!set) return;
    for (const c of [...set]) if (userId === undefined || c.userId === userId) c.res.end();
  }

  private broadcastRaw(text: string): void {
    for (const set of this.byWorkspace.values()) for (const c of set) if (!c.res.writableEnded) c.res.write(text);
  }

  /** Ends every stream (service stop). */
  closeAll(): void {
    clearInterval(this.timer);
    for (const set of this.byWorkspace.values()) for (const c of set) c.res.end();
    this.byWorkspace.clear();
  }
}
