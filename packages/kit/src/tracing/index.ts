// setup.ts (the SDK) is loaded by the host only when tracing is on; import it from './tracing/setup.js'.
export { currentTracing, type Tracing } from './state.js';
export type { TracingOptions } from './setup.js';
export { RecentTraces, type SpanView } from './recent-traces.js';
export { inSpan, inRemoteSpan, contextFrom, traceparentOf, activeTraceparent, SpanKind, SpanStatusCode, context, trace } from './spans.js';
