import { defineService } from '@bigapp/kit';
import { thumbnail } from './src/thumbnail.js';

/** Thumbnails for uploads (sharp). Scales on the length of image.queue. */
export default defineService({
  name: 'image',
  kind: 'worker',
  description: 'image: WebP thumbnails, orientation, metadata stripped, size and format recorded',
  needs: { bucket: true },
  jobs: { thumbnail: { handler: thumbnail, timeoutMs: 120_000 } },
  concurrency: 2,
  drainMs: 60_000,
  scaling: { minReplicas: 1, maxReplicas: 20, queueLengthTarget: 20 },
  resources: { cpuRequest: '250m', cpuLimit: '2', memoryRequest: '256Mi', memoryLimit: '1Gi' },
});
