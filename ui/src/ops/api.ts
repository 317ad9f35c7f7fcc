import { request } from '../api/http.js';

/** The operations dashboard's JSON (/api/ops, admin only); the shapes are the contracts' (packages/contracts/src/ops.ts). */

export type { ConsumerView, ServiceOverview, HistoryPoint, Overview, SpanView } from '@bigapp/contracts';
export type { DeadEntryView as DeadEntry } from '@bigapp/contracts';
import type { DeadEntryView as DeadEntry, Overview, SpanView } from '@bigapp/contracts';

export type { OpsJob as JobPage } from '@bigapp/contracts';
import type { OpsJob as JobPage } from '@bigapp/contracts';

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
