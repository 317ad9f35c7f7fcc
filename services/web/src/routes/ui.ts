import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/**
 * The UI folder: BIGAPP_UI_DIR, else `ui/dist` of the repository this file
 * lives in (found by walking up to the folder holding `ui/package.json`, so
 * it works from the sources and from `services/dist`).
 */
export function findUiDir(configured: string | undefined, from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  if (configured) return resolve(configured);
  let dir = from;
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'ui', 'package.json'))) return join(dir, 'ui', 'dist');
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bigapp</title></head>
<body style="font:16px system-ui;max-width:40rem;margin:3rem auto;padding:0 1rem">
<h1>bigapp</h1><p>The web service is running, but the UI is not built. Run <code>npm run build</code> and reload.</p>
<p>The API is here: <a href="/api/docs">/api/docs</a>.</p></body></html>`;

/** Static UI files, SPA fallback to index.html for other GETs outside /api and /bucket. */
export async function uiRoutes(app: FastifyInstance, uiDir: string | undefined): Promise<{ built: boolean }> {
  const built = Boolean(uiDir && existsSync(join(uiDir, 'index.html')));
  if (built) {
    await app.register(fastifyStatic, {
      root: uiDir!,
      wildcard: true,
      index: ['index.html'],
      setHeaders(reply, path) {
        // Vite's hashed assets never change; index.html must be revalidated.
        reply.header('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  } else {
    app.get('/', (_req, reply) => reply.type('text/html; charset=utf-8').send(NOT_BUILT));
  }
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!;
    if ((req.method === 'GET' || req.method === 'HEAD') && !path.startsWith('/api/') && path !== '/api' && !path.startsWith('/bucket/') && !/\.[a-z0-9]{1,8}$/i.test(path)) {
      if (built) return reply.header('cache-control', 'no-cache').sendFile('index.html');
      return reply.type('text/html; charset=utf-8').send(NOT_BUILT);
    }
    return reply.code(404).send({ error: { code: 'not_found', message: `No route ${req.method} ${path}.` } });
  });
  return { built };
}
