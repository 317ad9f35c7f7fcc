import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, SamplingDecision, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { RateLimitingSampler } from './sampler.js';
import { RecentTraces } from './recent-traces.js';
import { currentTracing, setCurrentTracing, type Tracing } from './state.js';

export type { Tracing } from './state.js';

export interface TracingOptions {
  serviceName: string;
  instance: string;
  version: string;
  /** OTLP/HTTP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT); spans go there in batches. */
  otlpEndpoint?: string | undefined;
  /** Spans kept in memory for the dashboard when no endpoint is set. */
  recentSpans?: number;
  /** New traces recorded per second at most (default 100); jobs of a recorded trace are recorded too. */
  samplesPerSecond?: number;
}


/**
 * Sets up OpenTelemetry for this process: W3C trace context, an async
 * context manager (so spans started inside a handler nest under it), and an
 * OTLP exporter or a bounded in-memory store.
 */
export async function setupTracing(o: TracingOptions): Promise<Tracing> {
  const existing = currentTracing();
  if (existing) return existing;
  const processors: SpanProcessor[] = [];
  let recent: RecentTraces | undefined;
  if (o.otlpEndpoint) {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    const url = o.otlpEndpoint.replace(/\/+$/, '');
    processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: url.endsWith('/v1/traces') ? url : `${url}/v1/traces` }), { scheduledDelayMillis: 500 }));
  } else {
    recent = new RecentTraces(o.recentSpans ?? 20_000);
    processors.push(recent);
  }
  const limited = new RateLimitingSampler(o.samplesPerSecond ?? 100);
  const provider = new BasicTracerProvider({
    // New traces pass the rate limit; a trace arriving in a job envelope was admitted (by `admit`) before its span
    // is started; spans inside this process follow their parent.
    sampler: new ParentBasedSampler({ root: limited, remoteParentSampled: new AlwaysOnSampler(), remoteParentNotSampled: new AlwaysOffSampler() }),
    resource: resourceFromAttributes({ 'service.name': o.serviceName, 'service.instance.id': o.instance, 'service.version': o.version }),
    spanProcessors: processors,
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const tracer = provider.getTracer('bigapp');
  const t: Tracing = {
    tracer,
    recent,
    admit: () => limited.shouldSample().decision === SamplingDecision.RECORD_AND_SAMPLED,
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
      setCurrentTracing(undefined);
    },
  };
  setCurrentTracing(t);
  return t;
}
