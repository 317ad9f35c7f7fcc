import { request } from '../api/http.js';

/** The operations dashboard's JSON (/api/ops, admin only). Shapes mirror services/web/src/routes/ops.ts. */

export interface ConsumerView {
  id: string;
  alive: boolean;
  inflight: number;
  host?: string;
  pid?: number;
  instance?: string;
  version?: string;
  role?: string;
  startedAt?: number;
  heartbeatAt?: number;
}

export interface ServiceOverview {
  service: string;
  source: 'ledger' | 'done-list';
  queued: number;
  inflight: number;
  delayed: number;
  dead: number;
  doneLastMinute: number;
  doneLastHour: number;
  failedLastHour: number;
  jobsPerSecond: number;
  p50Ms: number | null;
  p95Ms: number | null;
  consumersAlive: number;
  consumers: ConsumerView[];
}

export interface HistoryPoint {
  t: number;
  queued: Record<string, number>;
  done: Record<string, number>;
}

export interface Overview {
  at: number;
  services: ServiceOverview[];
  history: { intervalMs: number; points: HistoryPoint[] };
}

export interface DeadEntry {
  id: string | null;
  type: string | null;
  reason: string;
  error: string;
  ts: number;
  worker: string | null;
  preview: string;
}

export interface SpanView {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  service: string;
  instance: string;
  startMs: number;
  durationMs: number;
  status: 'ok' | 'error' | 'unset';
  attributes: Record<string, unknown>;
}

export interface JobPage {
  id: string;
  service: string;
  type: string;
  status: string;
  attempts: number;
  maxAttempts: number;
  workspaceId: string | null;
  traceId: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  payload: unknown;
  result: unknown;
  error: unknown;
  attemptLog: { attempt: number; status: string; worker: string | null; durationMs: number | null; error: { code: string; message: string } | null; at: string }[];
  trace: SpanView[];
  traceNote: string | null;
}

const enc = encodeURIComponent;

export const opsApi = {
  async overview(): Promise<Overview> {
    return (await request('GET', '/api/ops/overview')).data as Overview;
  },
  async dead(service: string, limit = 50): Promise<DeadEntry[]> {
    return ((await request('GET', `/api/ops/dead/${enc(service)}?limit=${limit}`)).data as { entries: DeadEntry[] }).entries;
  },
  async retry(service: string, ids?: string[]): Promise<{ retried: number; skipped: number }> {
    return (await request('POST', `/api/ops/dead/${enc(service)}/retry`, ids ? { ids } : {})).data as { retried: number; skipped: number };
  },
  async purge(service: string): Promise<{ purged: number }> {
    return (await request('POST', `/api/ops/dead/${enc(service)}/purge`)).data as { purged: number };
  },
  async job(id: string): Promise<JobPage> {
    return (await request('GET', `/api/ops/jobs/${enc(id)}`)).data as JobPage;
  },
};

/** Spans as a depth-first tree (children by start time); spans whose parent is elsewhere are roots. */
export function spanTree(spans: SpanView[]): { span: SpanView; depth: number }[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, SpanView[]>();
  const roots: SpanView[] = [];
  for (const s of [...spans].sort((a, b) => a.startMs - b.startMs)) {
    if (s.parentSpanId && ids.has(s.parentSpanId)) {
      const list = children.get(s.parentSpanId) ?? [];
      list.push(s);
      children.set(s.parentSpanId, list);
    } else roots.push(s);
  }
  const out: { span: SpanView; depth: number }[] = [];
  const walk = (s: SpanView, depth: number) => {
    out.push({ span: s, depth });
    for (const c of children.get(s.spanId) ?? []) walk(c, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  return out;
}
