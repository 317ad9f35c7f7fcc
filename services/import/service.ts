import { defineService } from '@bigapp/kit';
// Loaded on first use, so importing the registry (every process does) stays light.
const impl = () => import('./src/import-archive.js');

/**
 * Workspace import: a ZIP made by export (or any ZIP of images), checked entry
 * by entry. Limits and variables: docs/workers.md.
 */
export default defineService({
  name: 'import',
  kind: 'worker',
  description: 'import: a ZIP archive into a workspace, refusing zip-slip, zip bombs and non-images',
  needs: { db: true, bucket: true },
  jobs: { archive: { handler: async (data, job) => (await impl()).importArchive(data, job), timeoutMs: 3_600_000 } },
  concurrency: 1,
  start: async (ctx) => (await impl()).startImport(ctx),
  drainMs: 60_000,
  scaling: { minReplicas: 1, maxReplicas: 5, queueLengthTarget: 2 },
  resources: { cpuRequest: '100m', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit: '512Mi' },
});
