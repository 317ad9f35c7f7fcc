import { defineService } from '@bigapp/kit';
// Loaded on first use, so importing the registry (every process does) stays light.
const impl = () => import('./src/start.js');

/** The front end: JSON API, the browser UI, live updates. */
export default defineService({
  name: 'web',
  kind: 'web',
  description: 'web: HTTP API (JSON, OpenAPI), the browser UI and live updates (SSE)',
  needs: { db: true, bucket: true },
  ledger: ['image', 'export', 'import'],
  httpPort: 8080,
  drainMs: 15_000,
  start: async (ctx) => (await impl()).startWeb(ctx),
  scaling: { minReplicas: 2, maxReplicas: 10, cpuTargetPercent: 70 },
  resources: { cpuRequest: '100m', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit: '512Mi' },
});
