import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';

export type { SpanView } from '@bigapp/contracts';
import type { SpanView } from '@bigapp/contracts';

/**
 * The recent finished spans of this process, bounded, for the dashboard when
 * no OTLP collector is configured. Oldest traces are dropped first.
 */
export class RecentTraces implements SpanProcessor {
  // Finished spans are kept as they are and turned into views only when read: the hot path stays cheap.
  private readonly traces = new Map<string, ReadableSpan[]>();
  private spans = 0;

  constructor(private readonly maxSpans = 20_000) {}

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    const traceId = span.spanContext().traceId;
    let list = this.traces.get(traceId);
    if (!list) {
      list = [];
      this.traces.set(traceId, list);
    }
    list.push(span);
    this.spans++;
    while (this.spans > this.maxSpans) {
      const oldest = this.traces.keys().next().value as string;
      this.spans -= this.traces.get(oldest)!.length;
      this.traces.delete(oldest);
    }
  }

  get(traceId: string): SpanView[] {
    return (this.traces.get(traceId) ?? []).map(toView).sort((a, b) => a.startMs - b.startMs);
  }

  /** Trace ids, newest last. */
  traceIds(): string[] {
    return [...this.traces.keys()];
  }

  get size(): number {
    return this.spans;
  }

  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {
    this.traces.clear();
    this.spans = 0;
  }
}

function toView(span: ReadableSpan): SpanView {
  const ctx = span.spanContext();
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    kind: span.kind,
    service: String(span.resource.attributes['service.name'] ?? ''),
    instance: String(span.resource.attributes['service.instance.id'] ?? ''),
    startMs: span.startTime[0] * 1000 + span.startTime[1] / 1e6,
    durationMs: span.duration[0] * 1000 + span.duration[1] / 1e6,
    status: span.status.code === 2 ? 'error' : span.status.code === 1 ? 'ok' : 'unset',
    attributes: { ...span.attributes },
  };
}
