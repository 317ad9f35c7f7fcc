import { defineService } from '@bigapp/kit';
import { importArchive, startImport } from './src/import-archive.js';

/**
 * Workspace import: a ZIP made by export (or any ZIP of images), checked entry
 * by entry. Limits and variables: docs/workers.md.
 */
export default defineService({
  name: 'import',
  kind: 'worker',
  description: 'import: a ZIP archive into a workspace, refusing zip-slip, zip bombs and non-images',
  needs: { db: true, bucket: true },
  jobs: { archive: { handler: importArchive, timeoutMs: 3_600_000 } },
  concurrency: 1,
  start: startImport,
  drainMs: 60_000,
  scaling: { minReplicas: 1, maxReplicas: 5, queueLengthTarget: 2 },
  resources: { cpuRequest: '100m', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit: '512Mi' },
});
