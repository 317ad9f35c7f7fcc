import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { currentTracing } from './state.js';

/** A context whose parent is the given W3C traceparent (or the root). */
export function contextFrom(traceparent: string | undefined): Context {
  if (!traceparent) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}

/** The traceparent of a span (to put in an envelope). */
export function traceparentOf(span: Span): string {
  const c = span.spanContext();
  return `00-${c.traceId}-${c.spanId}-0${c.traceFlags & 1}`;
}

/** The active span's traceparent, when tracing is on and a span is active. */
export function activeTraceparent(): string | undefined {
  const span = trace.getSpan(context.active());
  if (!span || !span.spanContext().traceId) return undefined;
  return traceparentOf(span);
}

export { SpanKind, SpanStatusCode, context, trace };

/**
 * Runs `fn` in a span when tracing is set up, else just runs it: callers need
 * no branches, and with tracing off the cost is one function call.
 */
export async function inSpan<T>(
  name: string,
  o: { kind?: SpanKind; parent?: Context; attributes?: Record<string, string | number | boolean> },
  fn: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  const t = currentTracing();
  if (!t) return fn(undefined);
  const parent = o.parent ?? context.active();
  const span = t.tracer.startSpan(name, { kind: o.kind ?? SpanKind.INTERNAL, ...(o.attributes ? { attributes: o.attributes } : {}) }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
    throw err;
  } finally {
    span.end();
  }
}

/**
 * A span whose parent is in another process (a job envelope's traceparent).
 * Only traces the producer recorded (sampled flag) and that pass this
 * process's rate limit get a span; the rest run without any tracing work, so
 * tracing costs next to nothing at high job rates.
 */
export function inRemoteSpan<T>(
  name: string,
  traceparent: string | undefined,
  o: { kind?: SpanKind; attributes?: Record<string, string | number | boolean> },
  fn: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  const t = currentTracing();
  if (!t || !traceparent || traceparent.length !== 55 || traceparent[54] !== '1' || !t.admit()) return fn(undefined);
  return inSpan(name, { ...o, parent: contextFrom(traceparent) }, fn);
}
