import type { FastifyInstance } from 'fastify';
import { servePresigned, type Bucket } from '@bigapp/kit/storage';

/** Content-addressed thumbnail keys (the image service's naming): the bytes never change. */
export const IMMUTABLE_PREFIXES = ['thumbnails/', 'thumbs/'];

/**
 * `/bucket/*`: the folder driver's presigned GET links (the signature is the
 * whole authorisation). Thumbnails get a one-year immutable Cache-Control so
 * a browser or CDN keeps them; other objects are not cached publicly.
 */
export async function bucketRoutes(app: FastifyInstance, bucket: Bucket, secret: string): Promise<void> {
  const handler = async (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
    reply.hijack();
    let key = '';
    try {
      key = decodeURIComponent((req.url.split('?')[0] ?? '').slice('/bucket/'.length));
    } catch {
      /* servePresigned answers 400 */
    }
    reply.raw.setHeader('cache-control', IMMUTABLE_PREFIXES.some((p) => key.startsWith(p)) ? 'public, max-age=31536000, immutable' : 'private, max-age=300');
    reply.raw.setHeader('x-request-id', String(req.id));
    await servePresigned(bucket, req.raw, reply.raw, { secret, basePath: '/bucket' });
  };
  app.get('/bucket/*', { config: { public: true } }, handler);
}
