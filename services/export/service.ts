import { defineService } from '@bigapp/kit';
// Loaded on first use, so importing the registry (every process does) stays light.
const impl = () => import('./src/export-workspace.js');

/**
 * Workspace export: originals + metadata.json + items.ndjson streamed as a ZIP
 * into the bucket; expired archives are swept on a timer. See docs/workers.md.
 */
export default defineService({
  name: 'export',
  kind: 'worker',
  description: 'export: a workspace as a ZIP archive in the bucket, with a presigned download link',
  needs: { db: true, bucket: true },
  jobs: { workspace: { handler: async (data, job) => (await impl()).exportWorkspace(data, job), timeoutMs: 3_600_000 } },
  concurrency: 2,
  start: async (ctx) => (await impl()).startExport(ctx),
  drainMs: 60_000,
  scaling: { minReplicas: 1, maxReplicas: 5, queueLengthTarget: 2 },
  resources: { cpuRequest: '100m', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit: '512Mi' },
});
