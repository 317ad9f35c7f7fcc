import { WorkspaceEvent } from '@bigapp/contracts';
import { VALIDATE_RESPONSES } from './http.js';

export type LiveState = 'connecting' | 'live' | 'reconnecting';

const TYPES = ['media.updated', 'media.deleted', 'job.progress', 'job.finished'] as const;

/**
 * Follows a workspace's Server-Sent Events. The browser's EventSource retries
 * a dropped stream by itself, but gives up for good when the server answers
 * with an error status or the wrong content type; then we reopen it with
 * backoff (1 s doubling to 30 s). `onOpen` runs on every (re)connection so the
 * caller can refetch whatever it may have missed while disconnected.
 */
export function followWorkspace(
  url: string,
  handlers: { onEvent: (e: WorkspaceEvent) => void; onOpen: () => void; onState: (s: LiveState) => void },
): () => void {
  let es: EventSource | null = null;
  let stopped = false;
  let retryMs = 1000;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const handle = (type: string) => (msg: MessageEvent<string>) => {
    let data: unknown;
    try {
      data = JSON.parse(msg.data);
    } catch {
      return;
    }
    if (data && typeof data === 'object' && !('type' in data)) data = { type, ...data };
    if (VALIDATE_RESPONSES) {
      const r = WorkspaceEvent.safeParse(data);
      if (!r.success) throw new Error(`unexpected ${type} event: ${r.error.message}`);
      handlers.onEvent(r.data);
    } else {
      handlers.onEvent(data as WorkspaceEvent);
    }
  };

  const open = () => {
    if (stopped) return;
    handlers.onState(es ? 'reconnecting' : 'connecting');
    const source = new EventSource(url, { withCredentials: true });
    es = source;
    for (const t of TYPES) source.addEventListener(t, handle(t) as EventListener);
    source.onmessage = (m) => {
      // Servers that send unnamed events: the type is inside the data.
      handle('message')(m);
    };
    source.onopen = () => {
      retryMs = 1000;
      handlers.onState('live');
      handlers.onOpen();
    };
    source.onerror = () => {
      if (stopped) return;
      handlers.onState('reconnecting');
      if (source.readyState === EventSource.CLOSED) {
        clearTimeout(timer);
        timer = setTimeout(open, retryMs);
        retryMs = Math.min(retryMs * 2, 30_000);
      }
    };
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    es?.close();
  };
}
