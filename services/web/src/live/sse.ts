import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Takes over the response for a Server-Sent Events stream: headers, the
 * client's reconnect delay, and an end when the client goes away.
 */
export function openEventStream(req: FastifyRequest, reply: FastifyReply): ServerResponse {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    // nginx and some ingresses buffer responses unless told not to.
    'x-accel-buffering': 'no',
    'x-request-id': String(req.id),
  });
  res.write('retry: 3000\n: connected\n\n');
  req.raw.once('close', () => res.end());
  return res;
}
