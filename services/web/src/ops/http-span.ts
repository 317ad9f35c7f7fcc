import type { FastifyInstance, FastifyRequest } from 'fastify';
import { context, contextFrom, currentTracing, inSpan, SpanKind, SpanStatusCode, trace } from '@bigapp/kit';

type Span = NonNullable<Parameters<Parameters<typeof inSpan>[2]>[0]>;

/**
 * A SERVER span per HTTP request when tracing is set up (`bigapp start`
 * unless BIGAPP_TRACING=off). The rest of the request (auth, handler, DB
 * queries, enqueues) runs inside it, so an upload's trace starts here. An
 * incoming `traceparent` header is continued. Register before other hooks.
 */
export function httpTracing(app: FastifyInstance): void {
  const spans = new WeakMap<FastifyRequest, Span>();
  const finish = (req: FastifyRequest, status: number | undefined) => {
    const span = spans.get(req);
    if (!span) return;
    spans.delete(req);
    if (status !== undefined) {
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  };
  app.addHook('onRequest', (req, reply, done) => {
    const t = currentTracing();
    if (!t) return done();
    const route = req.routeOptions.url;
    const header = req.headers.traceparent;
    const parent = typeof header === 'string' && header ? contextFrom(header) : context.active();
    const path = req.url.split('?')[0] ?? req.url;
    const span = t.tracer.startSpan(
      `${req.method} ${route ?? path}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': path, ...(route ? { 'http.route': route } : {}) } },
      parent,
    );
    spans.set(req, span);
    // Hijacked replies (SSE) may end without onResponse: close the span with the socket.
    reply.raw.once('close', () => finish(req, reply.raw.headersSent ? reply.raw.statusCode : undefined));
    context.with(trace.setSpan(parent, span), done);
  });
  app.addHook('onResponse', (req, reply, done) => {
    finish(req, reply.statusCode);
    done();
  });
}
