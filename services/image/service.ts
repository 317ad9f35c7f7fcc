import { defineService } from '@bigapp/kit';
// Loaded on first use, so importing the registry (every process does) stays light.
const impl = () => import('./src/thumbnail.js');

/**
 * Thumbnails for uploads (sharp). Scales on the length of image.queue.
 * Limits and variables: docs/workers.md.
 */
export default defineService({
  name: 'image',
  kind: 'worker',
  description: 'image: WebP thumbnails, orientation, metadata stripped, size and format recorded',
  needs: { bucket: true },
  jobs: { thumbnail: { handler: async (data, job) => (await impl()).thumbnail(data, job), timeoutMs: 120_000 } },
  // libvips already uses every core for one image; two at once keeps the cores busy between I/O.
  concurrency: 2,
  drainMs: 60_000,
  start: async (ctx) => (await impl()).startImage(ctx),
  scaling: { minReplicas: 1, maxReplicas: 20, queueLengthTarget: 20 },
  resources: { cpuRequest: '250m', cpuLimit: '2', memoryRequest: '256Mi', memoryLimit: '1Gi' },
});
